import ThawCore
import ThawFineTune
import ThawKernels
import ThawTraining
import XCTest

// Checks shared by the block and step tests against torch float64 goldens, and the finite-difference check.

/// After one forward + backward of a block: every trainable tensor's gradient matches `grad.KEY`, every
/// running statistic matches `after.KEY`, and the fixture names no parameter the block lacks.
func assertTensorsMatchGolden(_ tensors: [TrainableTensor], _ g: FineTuneGolden, _ name: String,
                              file: StaticString = #filePath, line: UInt = #line) {
    for t in tensors {
        if t.trainable {
            assertClose(t.torchGrad, g.array("grad." + t.key), tol: 1e-3, "\(name) grad \(t.key)", file: file, line: line)
        } else {
            assertClose(t.torchValue, g.array("after." + t.key), tol: 1e-5, "\(name) running \(t.key)", file: file, line: line)
        }
    }
    XCTAssertEqual(tensors.count, g.keys.filter { $0.hasPrefix("param.") }.count, "every fixture parameter is a block tensor",
                   file: file, line: line)
}

/// `steps` optimizer steps of `model` on the golden's `x`/`labels`: loss and gradient norm per step, then every
/// tensor after the steps (`after.KEY`) against torch.
func assertStepsMatchGolden(_ model: FineTuneModel, _ g: FineTuneGolden, _ name: String, optimizer: Optimizer,
                            mode: BatchNormMode, file: StaticString = #filePath, line: UInt = #line) {
    let n = g.meta["batch"] as! Int, hw = g.meta["size"] as! Int, classes = g.meta["classes"] as! Int
    let step = FineTuneStep(optimizer: optimizer, lr: Float(g.meta["lr"] as! Double),
                            layerDecay: Float(g.meta["layer_decay"] as! Double),
                            weightDecay: Float(g.meta["weight_decay"] as! Double), clipNorm: Float(g.meta["clip"] as! Double))
    let x = g.array("x"), labels = g.array("labels").map { Int32($0) }
    let losses = g.meta["losses"] as! [Double], norms = g.meta["norms"] as! [Double]
    for s in 1...(g.meta["steps"] as! Int) {
        model.zeroGrad()
        let (logits, saved) = model.forward(x, batch: n, height: hw, width: hw, mode: mode)
        let (loss, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: classes)
        XCTAssertEqual(loss, losses[s - 1], accuracy: 1e-4 * abs(losses[s - 1]), "\(name) loss at step \(s)", file: file, line: line)
        model.backward(dlogits, saved: saved)
        let norm = step.apply(to: model, step: s)
        XCTAssertEqual(norm, norms[s - 1], accuracy: 1e-3 * norms[s - 1], "\(name) gradient norm at step \(s)", file: file, line: line)
    }
    for t in model.tensors {
        assertClose(t.torchValue, g.array("after." + t.key), tol: 1e-4, "\(name) \(t.key) after the steps", file: file, line: line)
    }
    XCTAssertEqual(model.tensors.count, g.keys.filter { $0.hasPrefix("param.") }.count, file: file, line: line)
}

/// Central differences of loss = Σ y·r against `backward(r)`: every `inputStride`-th input and about five entries
/// of every trainable tensor. eps 1e-3 rarely crosses a ReLU/ReLU6 kink; the loss sums in Double.
/// `forward(x)` returns y and what `backward` needs; both reset their workspace themselves.
func assertFiniteDifferences<Saved>(input: [Float], projection r: [Float], tensors: [TrainableTensor], inputStride: Int,
                                    forward: ([Float]) -> (y: [Float], saved: Saved), backward: ([Float], Saved) -> [Float],
                                    file: StaticString = #filePath, line: UInt = #line) {
    var x = input
    func loss() -> Double { zip(forward(x).y, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
    for t in tensors { t.zeroGrad() }
    let dx = backward(r, forward(x).saved)
    func numeric(_ get: () -> Float, _ set: (Float) -> Void) -> Double { centralDifference(eps: 1e-3, get, set, loss) }
    func compare(_ analytic: Float, _ num: Double, _ what: String) {
        XCTAssertEqual(Double(analytic), num, accuracy: 2e-2 * max(abs(num), 1), what, file: file, line: line)
    }
    for i in stride(from: 0, to: x.count, by: inputStride) {
        compare(dx[i], numeric({ x[i] }, { x[i] = $0 }), "dx[\(i)]")
    }
    for t in tensors where t.trainable {
        for i in stride(from: 0, to: t.count, by: max(1, t.count / 5)) {
            compare(t.grad[i], numeric({ t.value[i] }, { t.value[i] = $0 }), "\(t.key)[\(i)]")
        }
    }
}

/// (loss(v + eps) − loss(v − eps)) / 2eps for the value `get` reads and `set` writes; the value is restored.
func centralDifference(eps: Float, _ get: () -> Float, _ set: (Float) -> Void, _ loss: () -> Double) -> Double {
    let v = get()
    set(v + eps); let up = loss()
    set(v - eps); let down = loss()
    set(v)
    return (up - down) / Double(2 * eps)
}
