import Foundation
import XCTest

/// One case written by `scripts/golden/finetune.py`: `<case>.json` (array shapes and offsets,
/// meta) beside `<case>.bin` (little-endian float32).
struct FineTuneGolden {
    let arrays: [String: (shape: [Int], offset: Int)]
    let meta: [String: Any]
    let data: [Float]

    init(_ name: String) throws {
        guard let json = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
              let bin = Bundle.module.url(forResource: name, withExtension: "bin", subdirectory: "Fixtures") else {
            throw MissingFixture("fixture \(name) missing: run python3 scripts/golden/finetune.py")
        }
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as! [String: Any]
        var a: [String: (shape: [Int], offset: Int)] = [:]
        for (k, v) in root["arrays"] as! [String: [String: Any]] {
            a[k] = ((v["shape"] as! [Int]), v["offset"] as! Int)
        }
        arrays = a
        meta = root["meta"] as! [String: Any]
        let bytes = try Data(contentsOf: bin)
        data = bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    func array(_ key: String) -> [Float] {
        guard let a = arrays[key] else { preconditionFailure("fixture has no array \(key)") }
        let n = a.shape.reduce(1, *)
        return Array(data[a.offset..<(a.offset + n)])
    }

    /// Parameter source for the model initialisers: "param.<key>" with its shape checked.
    func parameter(_ key: String, _ shape: [Int]) throws -> [Float] {
        guard let a = arrays["param." + key] else { throw NSError(domain: "fixture: no param \(key)", code: 1) }
        precondition(a.shape == shape, "fixture param \(key): shape \(a.shape), expected \(shape)")
        return array("param." + key)
    }

    var keys: [String] { Array(arrays.keys) }
}

/// Asserts |a − b| ≤ tol · max(|b|, floor · max|b|) element-wise, naming the worst element.
func assertClose(_ a: [Float], _ b: [Float], tol: Double, floor: Double = 0.05, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    if let failure = closeness(a, b, tol: tol, floor: floor, what) { XCTFail(failure, file: file, line: line) }
}

/// Why `a` is not close to `b` (see `assertClose`), or nil. A NaN or infinity in either fails:
/// `err > worst` is false for a NaN, and `!(err <= worst)` alone lets the next element replace it,
/// so the first NaN is kept as the worst.
func closeness(_ a: [Float], _ b: [Float], tol: Double, floor: Double = 0.05, _ what: String) -> String? {
    guard a.count == b.count else { return "\(what): \(a.count) values, expected \(b.count)" }
    guard !a.isEmpty else { return nil }
    let scale = b.reduce(0.0) { !$0.isFinite || !$1.isFinite ? .nan : max($0, abs(Double($1))) }
    var worst = 0.0, at = 0
    for i in a.indices {
        let err = abs(Double(a[i]) - Double(b[i])) / max(abs(Double(b[i])), floor * scale, 1e-12)
        if !worst.isNaN, !(err <= worst) { worst = err; at = i }
    }
    return worst <= tol ? nil : "\(what): worst relative error \(worst) at [\(at)]: got \(a[at]), expected \(b[at])"
}
