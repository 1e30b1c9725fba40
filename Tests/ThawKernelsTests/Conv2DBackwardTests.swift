import XCTest
@testable import ThawKernels

final class Conv2DBackwardTests: XCTestCase {
    struct Grads { var dx: [Float]; var dwOIHW: [Float]; var db: [Float] }

    private func forward(_ conv: Conv2D, _ x: [Float], _ xs: [Int]) -> [Float] {
        conv.forward(Tensor(shape: xs, data: x), workspace: Workspace()).data
    }

    private func backward(_ conv: Conv2D, _ x: [Float], _ xs: [Int], _ dy: [Float], budget: Int = 1 << 19) -> Grads {
        let ws = Workspace(im2colBudget: budget)
        let y = forward(conv, x, xs)
        precondition(y.count == dy.count, "dy must match y")
        var dx = [Float](repeating: .nan, count: x.count)   // overwritten, so NaN must vanish
        var dw = [Float](repeating: 0, count: conv.weight.count), db = [Float](repeating: 0, count: conv.shape.outChannels)
        conv.backward(x: x, y: y, dy: dy, batch: xs[0], height: xs[1], width: xs[2], dx: &dx, dWeight: &dw, dBias: &db, workspace: ws)
        return Grads(dx: dx, dwOIHW: Conv2D.oihw(fromGEMM: dw, shape: conv.shape), db: db)
    }

    private func golden(_ name: String, _ shape: Conv2DShape, _ act: Activation) throws {
        let x = try BackwardGolden.load("\(name).x"), xs = BackwardGolden.shape("\(name).x")
        let conv = Conv2D(shape: shape, oihw: try BackwardGolden.load("\(name).w"), bias: try BackwardGolden.load("\(name).b"), activation: act)
        BackwardGolden.assertClose(forward(conv, x, xs), try BackwardGolden.load("\(name).y"), "\(name) forward y")
        let g = backward(conv, x, xs, try BackwardGolden.load("\(name).dy"))
        BackwardGolden.assertClose(g.dx, try BackwardGolden.load("\(name).dx"), "\(name) dx")
        BackwardGolden.assertClose(g.dwOIHW, try BackwardGolden.load("\(name).dw"), "\(name) dW")
        BackwardGolden.assertClose(g.db, try BackwardGolden.load("\(name).db"), "\(name) db")
    }

    func testConv3x3Stride2SameMatchesPyTorch() throws {
        try golden("conv3x3_s2_same", Conv2DShape(inChannels: 4, outChannels: 6, kernel: 3, stride: 2, padding: .same), .relu)
    }

    func testPointwiseMatchesPyTorch() throws {
        let s = Conv2DShape(inChannels: 8, outChannels: 6, kernel: 1)
        XCTAssertTrue(s.isPointwise)
        try golden("conv1x1", s, .relu6)
    }

    func testGroupedDilatedMatchesPyTorch() throws {
        try golden("conv3x3_g2_d2", Conv2DShape(inChannels: 4, outChannels: 6, kernel: 3, dilation: 2, groups: 2, padding: .symmetric(2)), .identity)
    }

    /// A tiny im2col budget forces row chunks (of at least 128 rows) that split an image
    /// (81 rows each here): the gradients must not change.
    func testChunkingDoesNotChangeGradients() {
        let xs = [3, 18, 18, 4]
        let shape = Conv2DShape(inChannels: 4, outChannels: 6, kernel: 3, stride: 2, groups: 2, padding: .same)
        let conv = Conv2D(shape: shape, oihw: FiniteDifference.random(6 * shape.patchSize, seed: 141), activation: .relu)
        let x = FiniteDifference.random(xs.reduce(1, *), seed: 142)
        let dy = FiniteDifference.random(3 * 9 * 9 * 6, seed: 143)
        let whole = backward(conv, x, xs, dy), chunked = backward(conv, x, xs, dy, budget: 1)
        BackwardGolden.assertClose(chunked.dx, whole.dx, rtol: 1e-5, "chunked dx")
        BackwardGolden.assertClose(chunked.dwOIHW, whole.dwOIHW, rtol: 1e-5, "chunked dW")
    }

    /// ⟨im2col(x), cols⟩ = ⟨x, col2im(cols)⟩ for every padding, stride, dilation and group
    /// slice — including the channel-split parallel path (≥ 16 channels per core, large chunks).
    func testCol2imIsTheAdjointOfIm2col() {
        let cases: [(xs: [Int], k: (Int, Int), s: (Int, Int), d: (Int, Int), p: Padding2D, c0: Int, cg: Int)] = [
            ([2, 9, 8, 6], (3, 3), (2, 2), (1, 1), .same, 2, 3),
            ([1, 7, 9, 4], (2, 3), (1, 2), (2, 1), .explicit(top: 1, bottom: 0, left: 2, right: 1), 0, 4),
            ([2, 20, 20, 80], (3, 3), (1, 1), (1, 1), .symmetric(1), 8, 64),
        ]
        for (i, t) in cases.enumerated() {
            let g = WindowGeometry(inHeight: t.xs[1], inWidth: t.xs[2], kernel: t.k, stride: t.s, dilation: t.d, padding: t.p)
            let rows = t.xs[0] * g.outPixels, k = t.k.0 * t.k.1 * t.cg
            let x = FiniteDifference.random(t.xs.reduce(1, *), seed: 150 + UInt64(i))
            let cols = FiniteDifference.random(rows * k, seed: 160 + UInt64(i))
            var lowered = [Float](repeating: 0, count: rows * k), back = [Float](repeating: 0, count: x.count)
            Im2col.lower(x, channels: t.xs[3], c0: t.c0, cg: t.cg, geometry: g, rows: 0..<rows, into: &lowered)
            Col2im.accumulate(cols, channels: t.xs[3], c0: t.c0, cg: t.cg, geometry: g, rows: 0..<rows, into: &back)
            let lhs = FiniteDifference.dot(lowered, cols), rhs = FiniteDifference.dot(x, back)
            XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * max(1, abs(lhs)), "case \(i): col2im is not the adjoint of im2col")
            let outside = back.indices.filter { !(t.c0..<t.c0 + t.cg).contains($0 % t.xs[3]) }
            XCTAssertTrue(outside.allSatisfy { back[$0] == 0 }, "case \(i): col2im wrote outside its channel slice")   // NaN ≠ 0
        }
    }

    private func finiteDifferences(_ shape: Conv2DShape, _ xs: [Int], act: Activation, seed: UInt64) {
        var x = FiniteDifference.random(xs.reduce(1, *), seed: seed)
        var w = FiniteDifference.random(shape.outChannels * shape.patchSize, seed: seed + 1, scale: 0.4)
        var b = FiniteDifference.random(shape.outChannels, seed: seed + 2, scale: 0.2)
        let conv = Conv2D(shape: shape, oihw: w, bias: b, activation: act)
        let r = FiniteDifference.random(forward(conv, x, xs).count, seed: seed + 3)
        let g = backward(conv, x, xs, r)
        let x0 = x, w0 = w, b0 = b
        let label = "conv k\(shape.kernelH) s\(shape.strideH) g\(shape.groups)"
        FiniteDifference.check("\(label) dx", &x, analytic: g.dx) { FiniteDifference.dot(self.forward(conv, $0, xs), r) }
        FiniteDifference.check("\(label) dW", &w, analytic: g.dwOIHW) {
            FiniteDifference.dot(self.forward(Conv2D(shape: shape, oihw: $0, bias: b0, activation: act), x0, xs), r)
        }
        FiniteDifference.check("\(label) db", &b, analytic: g.db) {
            FiniteDifference.dot(self.forward(Conv2D(shape: shape, oihw: w0, bias: $0, activation: act), x0, xs), r)
        }
    }

    func testFiniteDifferences3x3SameStride2() {
        finiteDifferences(Conv2DShape(inChannels: 3, outChannels: 4, kernel: 3, stride: 2, padding: .same), [2, 6, 7, 3], act: .identity, seed: 31)
    }

    func testFiniteDifferencesPointwiseGrouped() {
        finiteDifferences(Conv2DShape(inChannels: 4, outChannels: 6, kernel: 1, groups: 2), [2, 3, 3, 4], act: .identity, seed: 41)
    }

    func testFiniteDifferencesAsymmetricKernelGrouped() {
        let s = Conv2DShape(inChannels: 4, outChannels: 4, kernel: (2, 3), stride: (1, 2), dilation: (2, 1), groups: 2,
                            padding: .explicit(top: 1, bottom: 0, left: 2, right: 1))
        finiteDifferences(s, [1, 6, 7, 4], act: .identity, seed: 51)
    }

    /// Backward vs forward of two ResNet/EfficientNet-sized convolutions at batch 16.
    func testTimingConvolutions() throws {
        try requireTiming()
        for (shape, hw) in [(Conv2DShape(inChannels: 64, outChannels: 64, kernel: 3, padding: .symmetric(1)), 56),
                            (Conv2DShape(inChannels: 96, outChannels: 24, kernel: 1), 56)] {
            let n = 16, xs = [n, hw, hw, shape.inChannels]
            let conv = Conv2D(shape: shape, oihw: FiniteDifference.random(shape.outChannels * shape.patchSize, seed: 1, scale: 0.1),
                              bias: [Float](repeating: 0, count: shape.outChannels), activation: .relu)
            let x = FiniteDifference.random(xs.reduce(1, *), seed: 2)
            let ws = Workspace()
            var y = [Float](repeating: 0, count: n * hw * hw * shape.outChannels)
            let dy = FiniteDifference.random(y.count, seed: 3)
            var dx = x, dw = conv.weight, db = [Float](repeating: 0, count: shape.outChannels)
            let label = "conv \(shape.kernelH)×\(shape.kernelW) \(shape.inChannels)→\(shape.outChannels) \(hw)×\(hw) b\(n)"
            let f = bestTime("\(label) forward") { ws.reset(); conv.forward(x, batch: n, height: hw, width: hw, into: &y, workspace: ws) }
            let b = bestTime("\(label) backward (dx, dW, db)") {
                ws.reset()
                conv.backward(x: x, y: y, dy: dy, batch: n, height: hw, width: hw, dx: &dx, dWeight: &dw, dBias: &db, workspace: ws)
            }
            print(String(format: "  backward/forward = %.2f", b / f))
        }
    }
}
