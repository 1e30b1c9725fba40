import ThawCore
import ThawFineTune
import ThawHeads
import ThawKernels
import XCTest

/// The trainable stem (conv 3×3 s2 SAME + BN + ReLU6) against torch float64 autograd
/// (`scripts/golden/stem_backward.py`) and against central differences.
final class StemGradientTests: XCTestCase {
    func testFrozenBatchNormMatchesTorch() throws { try golden("stem_frozen") }   // 8×8: SAME pads only after
    func testTrainingBatchNormMatchesTorch() throws { try golden("stem_train") }  // 9×9: pads both sides

    func golden(_ name: String) throws {
        let g = try FineTuneGolden(name)
        let training = g.meta["training"] as! Bool
        let n = g.meta["batch"] as! Int, hw = g.meta["size"] as! Int, c = g.meta["channels"] as! Int
        let stem = try TrainableStem(channels: c, parameters: g.parameter)
        let ws = Workspace()
        let (y, saved) = stem.forward(g.array("x"), batch: n, height: hw, width: hw,
                                      mode: training ? .batch(momentum: 0.01) : .running, workspace: ws)
        assertClose(y, g.array("y"), tol: 1e-4, "\(name) y")
        ws.reset()
        stem.backward(g.array("dy"), saved: saved, workspace: ws)
        for t in stem.tensors {
            if t.trainable {
                assertClose(t.torchGrad, g.array("grad." + t.key), tol: 1e-3, "\(name) grad \(t.key)")
            } else {
                assertClose(t.torchValue, g.array("after." + t.key), tol: 1e-5, "\(name) running \(t.key)")
            }
        }
        XCTAssertEqual(stem.tensors.count, g.keys.filter { $0.hasPrefix("param.") }.count, "every fixture parameter is a stem tensor")
    }

    func testFiniteDifferences() throws {
        for mode in [BatchNormMode.running, .batch(momentum: 0.01)] {
            var rng = SplitMix64(seed: 11)
            let stem = try TrainableStem(channels: 4) { key, shape in
                let n = shape.reduce(1, *)
                if key.hasSuffix("running_var") { return (0..<n).map { _ in 0.5 + rng.nextUnitFloat() } }
                if key.hasSuffix(".weight") && key.hasPrefix("_bn0") { return (0..<n).map { _ in 1 + 0.2 * rng.nextNormal() } }
                return (0..<n).map { _ in 0.5 * rng.nextNormal() }
            }
            let n = 2, h = 6, w = 5
            let x = (0..<(n * h * w * 3)).map { _ in rng.nextNormal() }
            let oh = stem.outputSize(h), ow = stem.outputSize(w)
            let r = (0..<(n * oh * ow * 4)).map { _ in rng.nextNormal() }
            let ws = Workspace()
            func loss() -> Double {
                let y = stem.forward(x, batch: n, height: h, width: w, mode: mode, workspace: ws).y
                ws.reset()
                return zip(y, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            }
            for t in stem.tensors { t.zeroGrad() }
            let (_, saved) = stem.forward(x, batch: n, height: h, width: w, mode: mode, workspace: ws)
            ws.reset()
            stem.backward(r, saved: saved, workspace: ws)
            let eps: Float = 1e-3
            for t in stem.tensors where t.trainable {
                for i in stride(from: 0, to: t.count, by: max(1, t.count / 9)) {
                    let v = t.value[i]
                    t.value[i] = v + eps; let up = loss()
                    t.value[i] = v - eps; let down = loss()
                    t.value[i] = v
                    let num = (up - down) / Double(2 * eps)
                    XCTAssertEqual(Double(t.grad[i]), num, accuracy: 2e-2 * max(abs(num), 1), "\(mode) \(t.key)[\(i)]")
                }
            }
        }
    }
}
