import Foundation
import ThawFineTune
import XCTest

/// Which ResNet caches and cuts `thaw finetune` accepts, and the error for missing weights.
final class ResNetModelLoadingTests: XCTestCase {
    func testBackboneNamesAndBoundaries() {
        XCTAssertEqual(FineTuneModel.resNetDepth(backbone: "resnet18"), 18)
        XCTAssertEqual(FineTuneModel.resNetDepth(backbone: "resnet152"), 152)
        XCTAssertNil(FineTuneModel.resNetDepth(backbone: "resnet19"))
        XCTAssertNil(FineTuneModel.resNetDepth(backbone: "efficientnet-lite0"))
        XCTAssertEqual(FineTuneModel.resNetBoundary("stem"), 0)
        XCTAssertEqual(FineTuneModel.resNetBoundary("layer1"), 1)
        XCTAssertEqual(FineTuneModel.resNetBoundary("layer3"), 3)
        for bad in ["layer4", "layer0", "pool", "fc", "blocks.3", "layer"] { XCTAssertNil(FineTuneModel.resNetBoundary(bad), bad) }
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
