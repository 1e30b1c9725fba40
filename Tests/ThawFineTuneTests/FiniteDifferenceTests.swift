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
        let x = (0..<(n * h * w * 4)).map { _ in rng.nextNormal() }
        let r = (0..<(n * h * w * 4)).map { _ in rng.nextNormal() }
        let ws = Workspace()
        // Training mode moves running statistics; they do not enter the loss.
        assertFiniteDifferences(input: x, projection: r, tensors: block.tensors, inputStride: 7,
                                forward: { x in defer { ws.reset() }; return block.forward(x, batch: n, height: h, width: w, mode: mode, workspace: ws) },
                                backward: { r, saved in defer { ws.reset() }; return block.backward(r, saved: saved, workspace: ws) })
    }
}
