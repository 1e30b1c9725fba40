import ThawBackbones
import ThawCore
import ThawFineTune
import ThawHeads
import ThawKernels
import XCTest

/// Central differences of loss = Σ y·r on a tiny block (k3 s1 e2 4→4, skip) against backward.
final class FiniteDifferenceTests: XCTestCase {
    func testFrozenBatchNorm() throws { try check(.running) }
    func testTrainingBatchNorm() throws { try check(.batch(momentum: 0.01)) }

    func check(_ mode: BatchNormMode) throws {
        var rng = SplitMix64(seed: 7)
        let spec = EfficientNetBlockSpec.custom(kernel: 3, stride: 1, expandRatio: 2, inChannels: 4, outChannels: 4)
        let block = try TrainableMBConv(spec: spec, prefix: "b") { key, shape in
            let n = shape.reduce(1, *)
            if key.hasSuffix("running_var") { return (0..<n).map { _ in 0.5 + rng.nextUnitFloat() } }
            if key.hasSuffix("_bn0.weight") || key.hasSuffix("_bn1.weight") || key.hasSuffix("_bn2.weight") {
                return (0..<n).map { _ in 1 + 0.2 * rng.nextNormal() }
            }
            return (0..<n).map { _ in 0.5 * rng.nextNormal() }
        }
        let n = 2, h = 4, w = 4
        var x = (0..<(n * h * w * 4)).map { _ in rng.nextNormal() }
        let r = (0..<(n * h * w * 4)).map { _ in rng.nextNormal() }
        let ws = Workspace()
        func loss() -> Double {
            // Training mode moves running statistics; they do not enter the loss.
            let y = block.forward(x, batch: n, height: h, width: w, mode: mode, workspace: ws).y
            ws.reset()
            return zip(y, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        for t in block.tensors { t.zeroGrad() }
        let (_, saved) = block.forward(x, batch: n, height: h, width: w, mode: mode, workspace: ws)
        ws.reset()
        let dx = block.backward(r, saved: saved, workspace: ws)
        let eps: Float = 1e-3   // small enough to rarely cross a ReLU6 kink; the loss sums in Double
        func numeric(_ get: () -> Float, _ set: (Float) -> Void) -> Double {
            let v = get()
            set(v + eps); let up = loss()
            set(v - eps); let down = loss()
            set(v)
            return (up - down) / Double(2 * eps)
        }
        func compare(_ analytic: Float, _ num: Double, _ what: String) {
            XCTAssertEqual(Double(analytic), num, accuracy: 2e-2 * max(abs(num), 1), what)
        }
        for i in stride(from: 0, to: x.count, by: 7) {
            compare(dx[i], numeric({ x[i] }, { x[i] = $0 }), "dx[\(i)]")
        }
        for t in block.tensors where t.trainable {
            for i in stride(from: 0, to: t.count, by: max(1, t.count / 5)) {
                compare(t.grad[i], numeric({ t.value[i] }, { t.value[i] = $0 }), "\(t.key)[\(i)]")
            }
        }
    }
}
