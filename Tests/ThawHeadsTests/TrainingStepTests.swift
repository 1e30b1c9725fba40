import XCTest
@testable import ThawHeads
@testable import ThawTraining

/// Training steps of linear and MLP heads against torch (SGD+Nesterov+weight decay, AdamW;
/// label smoothing and class weights), goldens from scripts/golden/heads.py.
final class TrainingStepTests: XCTestCase {
    func runCase(_ name: String) throws {
        let cases = Fixtures.meta["steps"] as! [[String: Any]]
        let c = cases.first { $0["name"] as! String == name }!
        let x = Fixtures.floats(Fixtures.meta["steps_x"]!)
        let y = Fixtures.floats(Fixtures.meta["steps_y"]!).map { Int32($0) }
        let b = y.count, d = x.count / b, classes = 4
        let shape = HeadShape(hidden: c["hidden"] as! [Int], activation: Activation(rawValue: c["activation"] as! String)!,
                              layerNorm: c["layer_norm"] as! Bool)
        let model = StackedHeads(shape: shape, seeds: [0], inputWidth: d, classes: classes)
        let initial = (c["init"] as! [String: Any]).mapValues { Fixtures.floats($0) }
        model.load(head: 0, initial)
        let optimizer: Optimizer = c["optimizer"] as! String == "sgd"
            ? .sgd(momentum: 0.9, nesterov: true) : .adamw(beta1: 0.9, beta2: 0.999, eps: 1e-8)
        let lr = Float(c["lr"] as! Double), wd = Float(c["weight_decay"] as! Double)
        let smoothing = Float(c["label_smoothing"] as! Double)
        let classWeights = (c["class_weights"] as? [Double])?.map { Float($0) }
        let ws = model.makeWorkspace(capacity: b)
        let dlogits = FloatBuffer(count: b * classes)
        var losses = [0.0]
        let expectedLosses = c["losses"] as! [Double]
        let after = c["after"] as! [String: Any]
        for step in 1...3 {
            x.withUnsafeBufferPointer { xp in
                model.forward(x: xp.baseAddress!, batch: b, train: true, ws: ws)
                y.withUnsafeBufferPointer { yp in
                    if let cw = classWeights {
                        cw.withUnsafeBufferPointer { w in
                            SoftmaxCrossEntropy.forward(logits: ws.logits.pointer, labels: yp.baseAddress!, batch: b, heads: 1,
                                                        classes: classes, smoothing: smoothing, classWeights: w.baseAddress!,
                                                        losses: &losses, dlogits: dlogits.pointer)
                        }
                    } else {
                        SoftmaxCrossEntropy.forward(logits: ws.logits.pointer, labels: yp.baseAddress!, batch: b, heads: 1,
                                                    classes: classes, smoothing: smoothing, losses: &losses, dlogits: dlogits.pointer)
                    }
                }
                model.zeroGrad()
                model.backward(dlogits: dlogits.pointer, x: xp.baseAddress!, batch: b, train: true, ws: ws)
            }
            XCTAssertEqual(losses[0], expectedLosses[step - 1], accuracy: 1e-5 * expectedLosses[step - 1], "\(name) loss at step \(step)")
            for p in model.parameters { p.update(head: 0, optimizer: optimizer, lr: lr, weightDecay: wd, step: step) }
            if let expected = after["\(step)"] as? [String: Any] {
                for (key, entry) in expected {
                    let got = model.state(head: 0)[key]!
                    assertClose(got, Fixtures.floats(entry), rtol: 1e-5, floor: 1e-2, "\(name) \(key) after step \(step)")
                }
            }
        }
    }

    func testLinearSGDNesterovWithClassWeights() throws { try runCase("linear_sgd") }
    func testLinearAdamWWithLabelSmoothing() throws { try runCase("linear_adamw") }
    func testMLPSGDWithLabelSmoothing() throws { try runCase("mlp_sgd") }
    func testMLPTwoHiddenLayerNormGELUAdamW() throws { try runCase("mlp_adamw") }
}
