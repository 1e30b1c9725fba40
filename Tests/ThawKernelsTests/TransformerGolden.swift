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
            throw XCTSkip("fixture transformer_\(name) missing: run python3 scripts/golden/transformer_kernels.py")
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
        XCTAssertEqual(got.count, want.count, "\(label): element count", file: file, line: line)
        var worst: Float = 0, at = 0
        for i in 0..<min(got.count, want.count) {
            let e = abs(got[i] - want[i]) / max(abs(want[i]), floor)
            if !(e <= worst) { worst = e; at = i }   // NaN counts as worst
        }
        if !(worst <= rtol) {
            XCTFail("\(label): max relative error \(worst) at [\(at)]: got \(got[at]), want \(want[at])",
                    file: file, line: line)
        }
    }
}
