import Foundation
import XCTest

/// Fixtures/mobilenet_v2/manifest.json (scripts/golden/mobilenet_v2.py): photo logits and top-5 of
/// MobileNetV2 and EfficientNet-Lite1/Lite2 with their real weights, and every MobileNetV2 cut point on
/// a seeded input. A missing fixture or weight file fails the test (it is never skipped).
struct MobileNetV2Manifest: Decodable {
    struct File: Decodable { var file: String; var shape: [Int] }
    struct Tap: Decodable { var name: String; var file: String; var shape: [Int]; var max_abs: Float }
    struct Top: Decodable { var index: Int; var name: String; var prob: Float }
    struct Model: Decodable {
        var model: String; var asset: String; var sha256: String
        var preset: String; var resize: Int; var crop: Int
        var fc: Tap; var top5: [[Top]]
    }
    struct Seeded: Decodable { var input: File; var taps: [Tap] }
    var photos: [String]
    var models: [Model]
    var seeded: Seeded

    static let folder = "Fixtures/mobilenet_v2"

    static func load() throws -> MobileNetV2Manifest {
        guard let url = Bundle.module.url(forResource: "manifest", withExtension: "json", subdirectory: folder) else {
            throw MissingFixture("\(folder)/manifest.json missing from the test bundle. Fix: python3 scripts/golden/mobilenet_v2.py")
        }
        return try JSONDecoder().decode(MobileNetV2Manifest.self, from: Data(contentsOf: url))
    }

    func model(_ name: String) throws -> Model {
        guard let m = models.first(where: { $0.model == name }) else {
            throw MissingFixture("\(Self.folder)/manifest.json has no model \(name). Fix: python3 scripts/golden/mobilenet_v2.py")
        }
        return m
    }

    /// A raw little-endian float32 file under Fixtures/mobilenet_v2/.
    static func floats(_ relative: String) throws -> [Float] {
        guard let dir = Bundle.module.url(forResource: folder, withExtension: nil) else {
            throw MissingFixture("\(folder) missing from the test bundle. Fix: python3 scripts/golden/mobilenet_v2.py")
        }
        let data = try Data(contentsOf: dir.appendingPathComponent(relative))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}
