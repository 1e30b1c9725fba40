import Foundation
import XCTest

/// Fixtures/manifest.json (scripts/golden/backbones.py): cases of backbone inputs and taps.
struct LiteManifest: Decodable {
    struct Weights: Decodable { var kind: String; var asset: String?; var base_seed: UInt64? }
    struct File: Decodable { var file: String; var shape: [Int] }
    struct Tap: Decodable { var name: String; var file: String; var shape: [Int]; var max_abs: Float }
    struct Top: Decodable { var index: Int; var prob: Float }
    struct Case: Decodable {
        var name: String; var model: String; var weights: Weights; var input: File
        var taps: [Tap]; var top5: [Top]?; var block: String?
    }
    struct SelfCheck: Decodable {
        var splitmix64_seed0_first3: [String]
        var uniform_seed0_first3: [Double]
        var fnv1a64: [String: String]
        var resnet18_base18: [String: [Float]]
    }
    var self_check: SelfCheck
    var cases: [Case]

    static func load() throws -> LiteManifest {
        guard let url = Bundle.module.url(forResource: "manifest", withExtension: "json", subdirectory: "Fixtures") else {
            throw MissingFixture("Fixtures/manifest.json missing: run python scripts/golden/backbones.py")
        }
        return try JSONDecoder().decode(LiteManifest.self, from: Data(contentsOf: url))
    }

    func named(_ name: String) throws -> Case {
        guard let c = cases.first(where: { $0.name == name }) else { throw MissingFixture("fixture case \(name) missing: run python scripts/golden/backbones.py") }
        return c
    }

    /// A raw little-endian float32 file under Fixtures/.
    static func floats(_ relative: String) throws -> [Float] {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw MissingFixture("Fixtures folder missing from the test bundle")
        }
        let data = try Data(contentsOf: dir.appendingPathComponent(relative))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}

/// The README's check: max |got − want| ≤ rtol · max_abs of the tap; fails naming the worst element.
/// Returns max |got − want| / max_abs (NaN when the counts differ or an element is NaN).
@discardableResult
func assertTap(_ got: [Float], _ want: [Float], maxAbs: Float, rtol: Float = 1e-4, _ label: String,
               file: StaticString = #filePath, line: UInt = #line) -> Float {
    if let failure = tapMismatch(got, want, maxAbs: maxAbs, rtol: rtol, label) { XCTFail(failure, file: file, line: line) }
    return got.count == want.count ? tapError(got, want, maxAbs: maxAbs).rel : .nan
}

/// Why max |got − want| exceeds rtol · maxAbs, or nil; NaN and infinity always fail (ResNet and
/// EfficientNet-Lite taps share this check).
func tapMismatch(_ got: [Float], _ want: [Float], maxAbs: Float, rtol: Float, _ label: String) -> String? {
    guard got.count == want.count else { return "\(label): \(got.count) values, fixture has \(want.count)" }
    let (rel, worst, at) = tapError(got, want, maxAbs: maxAbs)
    return rel <= rtol ? nil : "\(label): max |error| / max_abs = \(rel) (max |error| \(worst)) at [\(at)]: got \(got[at]), want \(want[at])"
}

/// max |got − want| (the first NaN stays worst), where, and divided by maxAbs; equal counts.
func tapError(_ got: [Float], _ want: [Float], maxAbs: Float) -> (rel: Float, worst: Float, at: Int) {
    var worst: Float = 0, at = 0
    for i in 0..<got.count {
        let e = abs(got[i] - want[i])
        if !worst.isNaN, !(e <= worst) { worst = e; at = i }
    }
    return (worst / maxAbs, worst, at)
}
