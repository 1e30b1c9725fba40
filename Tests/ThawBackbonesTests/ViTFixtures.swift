import Foundation
import ThawBackbones
import XCTest

/// Fixtures/vit/manifest.json (scripts/golden/vit.py): small seeded ViTs in every key layout with
/// every cut point of the float64 pure-torch reference. A missing fixture fails (never skips).
struct ViTManifest: Decodable {
    struct File: Decodable { var file: String; var shape: [Int] }
    struct Tap: Decodable { var name: String; var file: String; var shape: [Int]; var max_abs: Float }
    struct Input: Decodable { var input: File; var taps: [Tap] }
    struct Architecture: Decodable {
        var width, depth, heads, mlp, patch, grid, registers: Int
        var projection: Int?
        var activation: String
        var eps: Float
        var pooling: String
    }
    struct Case: Decodable {
        var name, weights, layout, family, resample: String
        var architecture: Architecture
        var inputs: [Input]
    }
    var cases: [Case]

    static let folder = "Fixtures/vit"
    static let fix = "Fix: python3 scripts/golden/vit.py"

    static func load() throws -> ViTManifest {
        guard let url = Bundle.module.url(forResource: "manifest", withExtension: "json", subdirectory: folder) else {
            throw MissingFixture("\(folder)/manifest.json missing from the test bundle. \(fix)")
        }
        return try JSONDecoder().decode(ViTManifest.self, from: Data(contentsOf: url))
    }

    static func path(_ relative: String) throws -> String {
        guard let dir = Bundle.module.url(forResource: folder, withExtension: nil) else {
            throw MissingFixture("\(folder) missing from the test bundle. \(fix)")
        }
        let p = dir.appendingPathComponent(relative).path
        guard FileManager.default.fileExists(atPath: p) else { throw MissingFixture("\(folder)/\(relative) missing. \(fix)") }
        return p
    }

    static func floats(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try path(relative)))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// The catalog variant of the case's family, with the fixture's head count.
    static func variant(_ c: Case) throws -> ViTVariant {
        switch c.family {
        case "dinov2": return .dinov2(heads: c.architecture.heads)
        case "clip": return .clip(heads: c.architecture.heads)
        case "deit": return .deit(heads: c.architecture.heads)
        default: throw MissingFixture("unknown family \(c.family) in \(folder)/manifest.json. \(fix)")
        }
    }

    static func model(_ c: Case) throws -> ViT {
        try ViT.load(name: "vit-test-\(c.name)", path: try path(c.weights), variant: try variant(c))
    }
}
