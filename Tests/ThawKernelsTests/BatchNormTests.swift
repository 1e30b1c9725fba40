import XCTest
@testable import ThawKernels

final class BatchNormTests: XCTestCase {
    private func bn(_ c: ConvGolden.Case) throws -> BatchNorm {
        BatchNorm(gamma: try c.array("gamma"), beta: try c.array("beta"), runningMean: try c.array("mean"),
                  runningVar: try c.array("var"), eps: Float(c.params["eps"] as! Double))
    }

    func testFoldedConvolutionMatchesConvThenBatchNorm() throws {
        for c in try ConvGolden.cases(kind: "bnfold_conv") {
            let shape = Conv2DShape(inChannels: c.int("cin"), outChannels: c.int("cout"), kernel: c.int("k"),
                                    stride: c.int("stride"), padding: c.padding)
            let conv = Conv2D(shape: shape, oihw: try c.array("weight"), bias: try c.array("bias"))
                .foldingBatchNorm(try bn(c))
            let y = conv.forward(Tensor(shape: c.xShape, data: try c.array("x")), workspace: Workspace())
            ConvGolden.assertClose(y.data, try c.array("y"), c.name)
        }
    }

    func testFoldedDepthwiseMatchesDepthwiseThenBatchNorm() throws {
        for c in try ConvGolden.cases(kind: "bnfold_depthwise") {
            let xs = c.xShape
            let dw = DepthwiseConv2D(channels: c.int("c"), kernel: c.int("k"), stride: c.int("stride"), padding: c.padding,
                                     weightCHW: try c.array("weight"), activation: .relu6).foldingBatchNorm(try bn(c))
            let x = try c.array("x")
            var y = [Float](repeating: 0, count: c.shapes["y"]!.reduce(1, *))
            x.withUnsafeBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { _ = dw.forward(xb.baseAddress!, batch: xs[0], height: xs[1], width: xs[2], into: $0.baseAddress!) }
            }
            ConvGolden.assertClose(y, try c.array("y"), c.name)
        }
    }

    func testStandaloneBatchNormMatchesPyTorch() throws {
        for c in try ConvGolden.cases(kind: "batchnorm") {
            let xs = c.xShape
            var x = try c.array("x")
            let norm = try bn(c)
            x.withUnsafeMutableBufferPointer { norm.forward($0.baseAddress!, rows: xs[0] * xs[1] * xs[2], into: $0.baseAddress!) }
            ConvGolden.assertClose(x, try c.array("y"), c.name)
        }
    }
}
