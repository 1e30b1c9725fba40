import XCTest
@testable import ThawKernels

/// Whole blocks composed from the kernels, BN folded, activations in a `Workspace`, against
/// PyTorch (conv + BN in eval mode). Each forward runs twice: the second must not allocate.
final class BlockTests: XCTestCase {
    private func bn(_ c: ConvGolden.Case, _ p: String, eps: Float) throws -> BatchNorm {
        BatchNorm(gamma: try c.array("\(p).gamma"), beta: try c.array("\(p).beta"), runningMean: try c.array("\(p).mean"),
                  runningVar: try c.array("\(p).var"), eps: eps)
    }

    func testMBConvBlockMatchesPyTorch() throws {
        let c = try ConvGolden.cases(kind: "block_mbconv")[0]
        let xs = c.xShape, (n, h, w, cin) = (xs[0], xs[1], xs[2], xs[3])
        let e = c.int("expand")
        let expand = Conv2D(shape: Conv2DShape(inChannels: cin, outChannels: e, kernel: 1), oihw: try c.array("expand"),
                            activation: .relu6).foldingBatchNorm(try bn(c, "bn0", eps: 1e-3))
        let dw = DepthwiseConv2D(channels: e, kernel: 3, padding: .same, weightCHW: try c.array("dw"), activation: .relu6)
            .foldingBatchNorm(try bn(c, "bn1", eps: 1e-3))
        let project = Conv2D(shape: Conv2DShape(inChannels: e, outChannels: cin, kernel: 1), oihw: try c.array("project"))
            .foldingBatchNorm(try bn(c, "bn2", eps: 1e-3))
        let x = try c.array("x")
        let ws = Workspace()
        var y = [Float](repeating: 0, count: x.count)
        for pass in 0..<2 {
            ws.reset()
            let allocations = ws.allocations
            x.withUnsafeBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { yb in
                    let x = xb.baseAddress!, y = yb.baseAddress!
                    let wide = ws.take(n * h * w * e)            // [N, H, W, 96]
                    let wide2 = ws.take(n * h * w * e)           // [N, H, W, 96]
                    expand.forward(x, batch: n, height: h, width: w, into: wide, workspace: ws)
                    dw.forward(wide, batch: n, height: h, width: w, into: wide2)
                    project.forward(wide2, batch: n, height: h, width: w, into: y, workspace: ws)
                    residualAdd(x, into: y, count: n * h * w * cin)
                }
            }
            if pass == 1 { XCTAssertEqual(ws.allocations, allocations, "steady-state forward allocated") }
        }
        ConvGolden.assertClose(y, try c.array("y"), c.name)
    }

    func testResNetStemAndBasicBlockMatchPyTorch() throws {
        let c = try ConvGolden.cases(kind: "block_resnet")[0]
        let xs = c.xShape, (n, h, w, cin) = (xs[0], xs[1], xs[2], xs[3])
        let f = c.int("width")
        let stem = Conv2D(shape: Conv2DShape(inChannels: cin, outChannels: f, kernel: 7, stride: 2, padding: .symmetric(3)),
                          oihw: try c.array("stem"), activation: .relu).foldingBatchNorm(try bn(c, "bn0", eps: 1e-5))
        let conv1 = Conv2D(shape: Conv2DShape(inChannels: f, outChannels: f, kernel: 3, padding: .symmetric(1)),
                           oihw: try c.array("conv1"), activation: .relu).foldingBatchNorm(try bn(c, "bn1", eps: 1e-5))
        let conv2 = Conv2D(shape: Conv2DShape(inChannels: f, outChannels: f, kernel: 3, padding: .symmetric(1)),
                           oihw: try c.array("conv2")).foldingBatchNorm(try bn(c, "bn2", eps: 1e-5))
        let g0 = stem.shape.geometry(height: h, width: w)
        let g1 = WindowGeometry(inHeight: g0.outHeight, inWidth: g0.outWidth, kernel: (3, 3), stride: (2, 2), padding: .symmetric(1))
        let (ph, pw) = (g1.outHeight, g1.outWidth)
        XCTAssertEqual([n, ph, pw, f], c.shapes["y"])
        let x = try c.array("x")
        var y = [Float](repeating: 0, count: n * ph * pw * f)
        let ws = Workspace()
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                let s = ws.take(n * g0.outPixels * f)            // [N, 15, 12, 16] stem output
                let pooled = ws.take(n * ph * pw * f)            // [N, 8, 6, 16] block input = identity
                let mid = ws.take(n * ph * pw * f)
                stem.forward(xb.baseAddress!, batch: n, height: h, width: w, into: s, workspace: ws)
                Pooling.maxPool(s, batch: n, height: g0.outHeight, width: g0.outWidth, channels: f, kernel: 3, stride: 2,
                                padding: .symmetric(1), into: pooled)
                conv1.forward(pooled, batch: n, height: ph, width: pw, into: mid, workspace: ws)
                conv2.forward(mid, batch: n, height: ph, width: pw, into: yb.baseAddress!, workspace: ws)
                residualAdd(pooled, into: yb.baseAddress!, count: yb.count, activation: .relu)
            }
        }
        ConvGolden.assertClose(y, try c.array("y"), c.name)
    }
}
