import Foundation
import XCTest

/// Reads the goldens written by scripts/golden/heads.py (raw little-endian float32 + heads.json).
enum Fixtures {
    static let directory: URL = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/heads")

    static let meta: [String: Any] = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("heads.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    /// The float array described by an entry {"file":..., "shape":[...]}.
    static func floats(_ entry: Any) -> [Float] {
        let e = entry as! [String: Any]
        let data = try! Data(contentsOf: directory.appendingPathComponent(e["file"] as! String))
        var out = [Float](repeating: 0, count: data.count / 4)
        _ = out.withUnsafeMutableBytes { data.copyBytes(to: $0) }
        return out.map { Float(bitPattern: $0.bitPattern.littleEndian) }
    }

    static func shape(_ entry: Any) -> [Int] { (entry as! [String: Any])["shape"] as! [Int] }
}

/// Fails with the worst element when |a−b| > rtol·max(|b|, floor) anywhere.
func assertClose(_ a: [Float], _ b: [Float], rtol: Float, floor: Float = 1e-3, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    if let failure = closeMismatch(a, b, rtol: rtol, floor: floor, what) { XCTFail(failure, file: file, line: line) }
}

/// Why `a` is not within `rtol` of `b` (see `assertClose`), or nil; NaN and infinity always fail.
func closeMismatch(_ a: [Float], _ b: [Float], rtol: Float, floor: Float = 1e-3, _ what: String) -> String? {
    guard a.count == b.count else { return "\(what): sizes differ (\(a.count) vs \(b.count))" }
    var worst = -1, worstErr: Float = 0
    for i in 0..<a.count {
        let err = abs(a[i] - b[i]) / max(abs(b[i]), floor)
        if !worstErr.isNaN, !(err <= worstErr) { worstErr = err; worst = i }   // the first NaN stays worst
    }
    guard worst >= 0 && !(worstErr <= rtol) else { return nil }
    return "\(what): worst element \(worst): got \(a[worst]), expected \(b[worst]) (relative error \(worstErr) > \(rtol))"
}
