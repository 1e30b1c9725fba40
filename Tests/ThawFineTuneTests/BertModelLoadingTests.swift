import ThawAssets
import ThawBackbones
import ThawFineTune
import XCTest

/// Loading the trainable top of the installed all-MiniLM-L6-v2, and refusing a boundary with nothing above it.
final class BertModelLoadingTests: XCTestCase {
    func weights() throws -> String {
        let asset = KnownAsset.named("all-minilm-l6-v2")!
        guard let path = asset.find() else { throw XCTSkip("all-MiniLM-L6-v2 not installed: \(asset.installCommand)") }
        return path
    }

    func testLoadsLayer5AboveLayer4() throws {
        let model = try BertFineTuneModel.load(weights: try weights(), boundary: 4, configuration: .miniLML6, normalize: false) {
            TrainableClassifier(inFeatures: $0, classes: 5, seed: 1)
        }
        XCTAssertEqual(model.layers.map(\.prefix), ["encoder.layer.5."])
        XCTAssertEqual(model.tensors.count, 16 + 2)
        XCTAssertEqual(model.tensors.reduce(0) { $0 + $1.count }, 1_774_464 + 5 * 384 + 5)
        XCTAssertEqual(model.layers[0].intermediateDense.weight.torchShape, [1536, 384])
    }

    func testRefusesTheLastLayerAsBoundary() throws {
        XCTAssertThrowsError(try BertFineTuneModel.load(weights: try weights(), boundary: 5, configuration: .miniLML6, normalize: false) {
            TrainableClassifier(inFeatures: $0, classes: 5, seed: 1)
        }) { error in
            XCTAssertTrue("\(error)".contains("nothing to train above it"), "\(error)")
        }
    }
}
