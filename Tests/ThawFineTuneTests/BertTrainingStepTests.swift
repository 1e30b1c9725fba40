import ThawFineTune
import ThawHeads
import XCTest

/// Two BERT layers + masked mean pool + L2 + linear classifier: logits, loss and every gradient
/// against torch float64, then one AdamW step (layer-wise decayed rates) against torch's weights.
final class BertTrainingStepTests: XCTestCase {
    func testOneAdamWStepMatchesTorch() throws {
        let g = try FineTuneGolden("bert_step")
        let counts = g.meta["counts"] as! [Int], labels = (g.meta["labels"] as! [Int]).map(Int32.init)
        let c = g.meta["channels"] as! Int, heads = g.meta["heads"] as! Int, inter = g.meta["intermediate"] as! Int
        let classes = g.meta["classes"] as! Int, t = g.arrays["x"]!.shape[1]
        let layers = try [4, 5].map {
            try TrainableBertLayer(index: $0, channels: c, intermediate: inter, heads: heads, eps: 1e-12, parameter: g.parameter)
        }
        let classifier = TrainableClassifier(inFeatures: c, classes: classes, weight: try g.parameter("_fc.weight", [classes, c]),
                                             bias: try g.parameter("_fc.bias", [classes]))
        let model = BertFineTuneModel(layers: layers, classifier: classifier, normalize: true)
        let (logits, saved) = model.forward(g.array("x"), counts: counts, length: t)
        assertClose(logits, g.array("logits"), tol: 1e-4, "logits")
        let (loss, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: classes)
        XCTAssertEqual(loss, Double(g.array("loss")[0]), accuracy: 1e-5)
        model.zeroGrad()
        model.backward(dlogits, saved: saved)
        for tensor in model.tensors {
            assertClose(tensor.torchGrad, g.array("grad." + tensor.key), tol: 1e-3, "grad \(tensor.key)")
        }
        let step = FineTuneStep(optimizer: .adamwDefault, lr: Float(g.meta["lr"] as! Double),
                                layerDecay: Float(g.meta["layer_decay"] as! Double), weightDecay: Float(g.meta["weight_decay"] as! Double))
        step.apply(to: model, step: 1)
        for tensor in model.tensors {
            assertClose(tensor.torchValue, g.array("updated." + tensor.key), tol: 1e-4, "updated \(tensor.key)")
        }
    }
}
