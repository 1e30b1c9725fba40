import Foundation

extension JSONValue {
    /// Any `Encodable` as a `JSONValue`: its JSON encoding read back, so a type whose `Codable` form
    /// is a run-record object (e.g. an epoch record) is written by that encoding alone. NaN and ±inf
    /// become `.number(.nan)` (written as null by `FiniteJSON`).
    public init(encoding value: some Encodable) throws {
        let marker = "\u{1}thaw-non-finite\u{1}"
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: marker, negativeInfinity: marker, nan: marker)
        self = try JSONDecoder().decode(JSONValue.self, from: encoder.encode(value)).replacing(marker: marker)
    }

    private func replacing(marker: String) -> JSONValue {
        switch self {
        case .string(marker): return .number(.nan)
        case .array(let a): return .array(a.map { $0.replacing(marker: marker) })
        case .object(let o): return .object(o.mapValues { $0.replacing(marker: marker) })
        default: return self
        }
    }

    /// JSON objects of `Encodable` values, e.g. a run record's epochs from the epoch records.
    public static func objects<T: Encodable>(encoding values: [T]) throws -> [[String: JSONValue]] {
        try values.map { v in
            guard case .object(let o) = try JSONValue(encoding: v) else {
                throw EncodingError.invalidValue(v, .init(codingPath: [], debugDescription: "\(T.self) does not encode as a JSON object"))
            }
            return o
        }
    }
}
