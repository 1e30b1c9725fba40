import Foundation
import ThawBackbones
import ThawFineTune
import XCTest

/// Which ResNet caches and cuts `thaw finetune` accepts, and the error for missing weights.
final class ResNetModelLoadingTests: XCTestCase {
    func testBackboneNamesAndBoundaries() throws {
        func stage(_ backbone: String, _ from: String) throws -> FineTunePlan.Trained {
            try ModelCatalog.fineTunePlan(backbone: backbone, cachedTaps: [(from, [1])], from: from, cache: "c").trained
        }
        XCTAssertEqual(try stage("resnet18", "stem"), .resNet(depth: 18, stage: 0))
        XCTAssertEqual(try stage("resnet152", "layer1"), .resNet(depth: 152, stage: 1))
        XCTAssertEqual(try stage("resnet50", "layer3"), .resNet(depth: 50, stage: 3))
        XCTAssertThrowsError(try stage("resnet19", "layer3"))
        for bad in ["layer4", "layer0", "pool", "fc", "blocks.3", "layer"] { XCTAssertThrowsError(try stage("resnet50", bad), bad) }
    }

    func testMissingWeightsNamesTheFix() {
        let path = NSTemporaryDirectory() + "thaw-no-such-resnet-\(UUID().uuidString).pth"
        XCTAssertThrowsError(try FineTuneModel.loadResNet(depth: 50, boundary: 3, weights: path) {
            TrainableClassifier(inFeatures: $0, classes: 3, seed: 1)
        }) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(path) && text.contains("--weights") && text.contains("torchvision"), text)
        }
    }
}
