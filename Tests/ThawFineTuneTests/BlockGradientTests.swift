import ThawBackbones
import ThawFineTune
import ThawKernels
import XCTest

/// One MBConv block against torch float64 autograd: output, dx and every parameter gradient.
final class BlockGradientTests: XCTestCase {
    func testFrozenBatchNorm() throws { try check("block_frozen") }
    func testTrainingBatchNorm() throws { try check("block_train") }

    func check(_ name: String) throws {
        let g = try FineTuneGolden(name)
        let s = g.meta["spec"] as! [Int]          // cin, cout, k, stride, expand
        let training = g.meta["training"] as! Bool
        let n = g.meta["batch"] as! Int, hw = g.meta["size"] as! Int
        let spec = EfficientNetBlockSpec.custom(kernel: s[2], stride: s[3], expandRatio: s[4], inChannels: s[0], outChannels: s[1])
        let block = try TrainableMBConv(spec: spec, prefix: "_blocks.12", parameters: g.parameter)
        let ws = Workspace()
        let (y, saved) = block.forward(g.array("x"), batch: n, height: hw, width: hw,
                                       mode: training ? BatchNormMode.batch(momentum: 0.01) : .running, workspace: ws)
        assertClose(y, g.array("y"), tol: 1e-4, "\(name) y")
        ws.reset()
        let dx = block.backward(g.array("dy"), saved: saved, workspace: ws)
        assertClose(dx, g.array("dx"), tol: 1e-3, "\(name) dx")
        assertTensorsMatchGolden(block.tensors, g, name)
    }
}
