import Foundation
@testable import ThawBackbones
import ThawKernels
import XCTest

/// ConvNeXt against the float64 pure-torch reference of scripts/golden/convnext.py: every cut point in the
/// timm, torchvision and facebookresearch key layouts (odd and non-square inputs too), and a start from a
/// cached stage. A missing fixture fails (never skips).
final class ConvNeXtTests: XCTestCase {
    struct Manifest: Decodable {
        struct File: Decodable { var file: String; var shape: [Int] }
        struct Tap: Decodable { var name: String; var file: String; var shape: [Int]; var max_abs: Float }
        struct Input: Decodable { var input: File; var taps: [Tap] }
        struct Case: Decodable { var name, weights, layout: String; var classes: Int?; var inputs: [Input] }
        var dims, depths: [Int]
        var cases: [Case]
    }
    static let folder = "Fixtures/convnext", fix = "Fix: python3 scripts/golden/convnext.py"

    static func path(_ relative: String) throws -> String {
        guard let dir = Bundle.module.url(forResource: folder, withExtension: nil),
              FileManager.default.fileExists(atPath: dir.appendingPathComponent(relative).path) else {
            throw MissingFixture("\(folder)/\(relative) missing from the test bundle. \(fix)")
        }
        return dir.appendingPathComponent(relative).path
    }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: try path("manifest.json"))))
    }

    static func floats(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try path(relative)))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    func testEveryCutPointOfEveryLayoutMatchesTorch() throws {
        let m = try Self.manifest()
        XCTAssertEqual(Set(m.cases.map(\.layout)), ["timm", "torchvision", "official"])
        var compared = 0
        for c in m.cases {
            let model = try ConvNeXt(name: "convnext-test", path: try Self.path(c.weights))
            XCTAssertEqual(model.keyLayout.rawValue, c.layout)
            XCTAssertEqual(model.depths, m.depths, c.name)
            XCTAssertEqual(model.widths, m.dims, c.name)
            XCTAssertEqual(model.cutPoints.last?.name, c.classes == nil ? "pool" : "fc", c.name)
            for input in c.inputs {
                let x = Activations(tensor: Tensor(shape: input.input.shape, data: try Self.floats(input.input.file)))
                let out = try model.forward(x, from: nil, taps: input.taps.map(\.name))
                XCTAssertEqual(input.taps.map(\.name), model.cutPoints.map(\.name), "\(c.name): the fixture covers every cut point")
                for tap in input.taps {
                    let got = try XCTUnwrap(out[tap.name], "\(c.name) \(tap.name)")
                    XCTAssertEqual(got.tensor.shape, tap.shape, "\(c.name) \(tap.name)")
                    XCTAssertEqual(try model.outputShape(at: tap.name, inputShape: Array(input.input.shape.dropFirst())),
                                   Array(tap.shape.dropFirst()), "\(c.name) \(tap.name) outputShape")
                    let label = "\(c.name) \(input.input.shape[1])×\(input.input.shape[2]) \(tap.name)"
                    let rel = assertTap(got.tensor.data, try Self.floats(tap.file), maxAbs: tap.max_abs, label)
                    print(String(format: "convnext %@: max |error| / max_abs %.2e", label, rel))
                    compared += 1
                }
            }
        }
        XCTAssertEqual(compared, 3 * 7 + 6)   // timm at two sizes, torchvision, official (no classifier)
    }

    func testStartFromCachedStageMatchesTorch() throws {
        let c = try XCTUnwrap(try Self.manifest().cases.first { $0.name == "timm" })
        let input = c.inputs[1]
        func tap(_ name: String) throws -> Manifest.Tap { try XCTUnwrap(input.taps.first { $0.name == name }, name) }
        let model = try ConvNeXt(name: "convnext-test", path: try Self.path(c.weights))
        let start = try tap("stages.1")
        let x = Activations(tensor: Tensor(shape: start.shape, data: try Self.floats(start.file)))
        let out = try model.forward(x, from: "stages.1", taps: ["stages.3", "pool", "fc"])
        for name in ["stages.3", "pool", "fc"] {
            let want = try tap(name)
            assertTap(try XCTUnwrap(out[name]).tensor.data, try Self.floats(want.file), maxAbs: want.max_abs, "\(name) from stages.1")
        }
        XCTAssertThrowsError(try model.forward(x, from: "stages.1", taps: ["stages.0"]))
        XCTAssertThrowsError(try model.forward(x, from: "stages.0", taps: ["pool"]))   // 8 channels expected, 16 given
        XCTAssertThrowsError(try model.forward(Activations(tensor: Tensor(zeros: [1, 16, 16, 3])), from: nil, taps: ["pool"])) {
            XCTAssertTrue("\($0)".contains("H ≥ 32"), "\($0)")
        }
    }

    /// The catalog's names check the stage depths: these small files are refused with the reason.
    func testNamedModelsRefuseOtherDepths() throws {
        let entry = try ModelCatalog.named("convnext-tiny")
        XCTAssertThrowsError(try entry.load(try Self.path("timm.safetensors"))) {
            XCTAssertTrue("\($0)".contains("depths [1, 1, 2, 1]"), "\($0)")
        }
    }
}
