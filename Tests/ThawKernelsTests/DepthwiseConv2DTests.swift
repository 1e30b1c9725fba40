import XCTest
@testable import ThawKernels

final class DepthwiseConv2DTests: XCTestCase {
    func testDepthwiseMatchesPyTorch() throws {
        for c in try ConvGolden.cases(kind: "depthwise") {
            let xs = c.xShape
            let dw = DepthwiseConv2D(channels: c.int("cin"), kernel: c.int("k"), stride: c.int("stride"),
                                     padding: c.padding, weightCHW: try c.array("weight"),
                                     bias: c.shapes["bias"] == nil ? nil : try c.array("bias"), activation: c.activation)
            let x = try c.array("x")
            let geo = dw.geometry(height: xs[1], width: xs[2])
            var y = [Float](repeating: .nan, count: xs[0] * geo.outPixels * xs[3])
            x.withUnsafeBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { yb in
                    _ = dw.forward(xb.baseAddress!, batch: xs[0], height: xs[1], width: xs[2], into: yb.baseAddress!)
                }
            }
            XCTAssertEqual([xs[0], geo.outHeight, geo.outWidth, xs[3]], c.shapes["y"], c.name)
            ConvGolden.assertClose(y, try c.array("y"), c.name)
        }
    }

    /// The depthwise kernel and the grouped GEMM convolution agree (groups == channels).
    func testDepthwiseEqualsGroupedConv() throws {
        let c = 21, n = 2, h = 9, w = 7
        var x = [Float](repeating: 0, count: n * h * w * c)
        var wt = [Float](repeating: 0, count: c * 25)
        for i in x.indices { x[i] = Float((i * 37) % 101) / 50 - 1 }
        for i in wt.indices { wt[i] = Float((i * 13) % 29) / 14 - 1 }
        let dw = DepthwiseConv2D(channels: c, kernel: 5, stride: 2, padding: .same, weightCHW: wt)
        let conv = Conv2D(shape: Conv2DShape(inChannels: c, outChannels: c, kernel: 5, stride: 2, groups: c, padding: .same),
                          oihw: wt)
        let ref = conv.forward(Tensor(shape: [n, h, w, c], data: x), workspace: Workspace())
        let y = dw.forward(Tensor(shape: [n, h, w, c], data: x))
        XCTAssertEqual(y.shape, ref.shape)
        ConvGolden.assertClose(y.data, ref.data, "depthwise vs grouped conv")
    }
}
