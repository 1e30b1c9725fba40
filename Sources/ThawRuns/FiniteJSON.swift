import Foundation

/// Encodes any value as JSON with non-finite numbers (NaN, ±inf) written as `null`. A plain
/// `JSONEncoder` throws on them, and a run that diverged would then lose its record (or its
/// `--json` output) after all its training time; a null keeps everything else readable.
public enum FiniteJSON {
    /// Stands in for a non-finite number while encoding; every `"<marker>"` becomes `null`.
    private static let marker = "\u{1}thaw-non-finite\u{1}"

    /// The JSON, and how many non-finite numbers it holds as null.
    public static func encode<T: Encodable>(_ value: T, formatting: JSONEncoder.OutputFormatting) throws -> (data: Data, nonFinite: Int) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: marker, negativeInfinity: marker, nan: marker)
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        let quoted = try String(decoding: JSONEncoder().encode(marker), as: UTF8.self)   // the marker as the encoder escapes it
        let parts = text.components(separatedBy: quoted)
        return (Data(parts.joined(separator: "null").utf8), parts.count - 1)
    }

    /// The warning to show when `count` numbers were stored as null.
    public static func warning(_ count: Int, in what: String) -> String {
        "warning: \(what): \(count) number(s) were NaN or infinite (training diverged?) and are written as null"
    }
}
