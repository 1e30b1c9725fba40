import Foundation
@_spi(Profile) import ThawBackbones
import ThawKernels
import XCTest

/// `ResNet.forward` over chunks of images (`chunkFloats`) against the whole batch in one pass and the
/// float64 PyTorch reference.
final class ResNetChunkTests: XCTestCase {
    /// The fixture's two images one chunk each: every cut, and every resumption from a cached map,
    /// within 1e-4 of the float64 reference.
    func testOneImagePerChunkMatchesTorchAtEveryCut() throws {
        let fx = try ResNetFixture.named("resnet18_seeded64")
        XCTAssertEqual(fx.input.shape[0], 2, "the fixture must hold more images than a chunk")
        let net = try ResNet(depth: 18, parameters: fx.parameters)
        net.chunkFloats = 1                             // below any one image's largest map: one image per chunk
        let out = try net.forward(Activations(tensor: try fx.inputTensor()), from: nil, taps: fx.taps.map(\.name))
        for tap in fx.taps {
            assertResNetClose(out[tap.name]!.tensor, try fx.tapTensor(tap), scale: tap.max_abs, "chunked \(tap.name)")
        }
        for (k, start) in fx.taps.enumerated().dropLast() where start.shape.count == 4 {
            let later = fx.taps[(k + 1)...]
            let resumed = try net.forward(Activations(tensor: try fx.tapTensor(start)), from: start.name, taps: later.map(\.name))
            for tap in later {
                assertResNetClose(resumed[tap.name]!.tensor, try fx.tapTensor(tap), scale: tap.max_abs, "chunked \(start.name)→\(tap.name)")
            }
        }
    }

    /// 5 images in chunks of 2 (balanced: 2, 2, 1) equal the whole batch to float32 rounding, image by image
    /// in order, and a second forward gives the same floats.
    func testUnevenChunksEqualTheWholeBatchInOrder() throws {
        let fx = try ResNetFixture.named("resnet18_seeded64")
        let net = try ResNet(depth: 18, parameters: fx.parameters)
        let x = Tensor(shape: [5, 40, 40, 3], data: (0..<(5 * 40 * 40 * 3)).map { Float(sin(Double($0) * 0.37)) })
        let taps = ["layer2", "pool", "fc"]
        net.chunkFloats = 0
        let whole = try net.forward(Activations(tensor: x), from: nil, taps: taps)
        net.chunkFloats = 2 * 20 * 20 * 64              // two 40×40 images (conv1's output is the largest map)
        let chunked = try net.forward(Activations(tensor: x), from: nil, taps: taps)
        let again = try net.forward(Activations(tensor: x), from: nil, taps: taps)
        for tap in taps {
            let want = whole[tap]!.tensor
            let scale = want.data.map(abs).max()!
            assertResNetClose(chunked[tap]!.tensor, want, scale: scale, rtol: 1e-5, "chunks of 2, \(tap)")
            XCTAssertEqual(chunked[tap]!.tensor.data, again[tap]!.tensor.data, "\(tap): a second forward must give the same floats")
        }
    }

    /// A wrong input is reported with the caller's shape, not a chunk's.
    func testWrongInputNamesTheWholeBatchShape() throws {
        let net = try ResNet(depth: 18, classes: 10) { _, shape in [Float](repeating: 0.01, count: shape.reduce(1, *)) }
        net.chunkFloats = 1
        let bad = Activations(tensor: Tensor(zeros: [6, 8, 8, 4]))
        XCTAssertThrowsError(try net.forward(bad, from: nil, taps: ["pool"])) {
            XCTAssertTrue("\($0)".contains("[6, 8, 8, 4]"), "\($0)")
        }
    }
}
