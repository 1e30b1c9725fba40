import Foundation
import XCTest

/// Fixtures of scripts/golden/transformer_kernels.py: `transformer_<name>.bin` (float32 LE)
/// with shapes in `transformer_manifest.json`.
enum TransformerGolden {
    static let shapes: [String: [Int]] = {
        guard let url = Bundle.module.url(forResource: "transformer_manifest", withExtension: "json",
                                          subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url),
              let m = try? JSONDecoder().decode([String: [Int]].self, from: data) else { return [:] }
        return m
    }()

    static func load(_ name: String) throws -> (shape: [Int], data: [Float]) {
        guard let shape = shapes[name],
              let url = Bundle.module.url(forResource: "transformer_\(name)", withExtension: "bin",
                                          subdirectory: "Fixtures") else {
            throw MissingFixture("fixture transformer_\(name) missing: run python3 scripts/golden/transformer_kernels.py")
        }
        let data = try Data(contentsOf: url)
        let values: [Float] = data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        precondition(values.count == shape.reduce(1, *), "fixture \(name): shape \(shape) vs \(values.count) values")
        return (shape, values)
    }

    static func ints(_ name: String) throws -> [Int32] { try load(name).data.map { Int32($0) } }

    /// Max relative error |got − want| / max(|want|, floor); fails naming the worst element.
    static func assertClose(_ got: [Float], _ want: [Float], rtol: Float = 1e-4, floor: Float = 1e-3,
                            _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        if let failure = mismatch(got, want, rtol: rtol, floor: floor, label) { XCTFail(failure, file: file, line: line) }
    }

    /// Why `got` is not within `rtol` of `want` (see `assertClose`), or nil.
    static func mismatch(_ got: [Float], _ want: [Float], rtol: Float = 1e-4, floor: Float = 1e-3, _ label: String) -> String? {
        guard got.count == want.count else { return "\(label): \(got.count) elements, want \(want.count)" }
        var worst: Float = 0, at = 0
        for i in 0..<got.count {
            let e = abs(got[i] - want[i]) / max(abs(want[i]), floor)
            if !worst.isNaN, !(e <= worst) { worst = e; at = i }   // the first NaN stays worst
        }
        return worst <= rtol ? nil : "\(label): max relative error \(worst) at [\(at)]: got \(got[at]), want \(want[at])"
    }
}
