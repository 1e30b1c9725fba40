import XCTest
@testable import ThawKernels

/// The depthwise backward (row kernel of each packed build this CPU has — `KernelBuild` — or the baseline loops)
/// against PyTorch gradients and by finite differences.
final class DepthwiseConv2DBackwardTests: XCTestCase {
    /// [kh][kw][C] → PyTorch's [C, 1, kh, kw].
    private func chw(_ taps: [Float], channels c: Int) -> [Float] {
        let t = taps.count / c
        var out = [Float](repeating: 0, count: taps.count)
        for ch in 0..<c { for k in 0..<t { out[ch * t + k] = taps[k * c + ch] } }
        return out
    }

    private func backward(_ dw: DepthwiseConv2D, _ x: [Float], _ xs: [Int], _ dy: [Float]) -> (dx: [Float], dw: [Float], db: [Float]) {
        let y = dw.forward(Tensor(shape: xs, data: x)).data
        var dx = [Float](repeating: .nan, count: x.count)
        var dwt = [Float](repeating: 0, count: dw.weight.count), db = [Float](repeating: 0, count: dw.channels)
        dw.backward(x: x, y: y, dy: dy, batch: xs[0], height: xs[1], width: xs[2], dx: &dx, dWeight: &dwt, dBias: &db)
        return (dx, chw(dwt, channels: dw.channels), db)
    }

    func testDepthwise5x5Stride2SameMatchesPyTorch() throws {
        for engine in KernelBuild.eachOnThisCPU { try engine.run {
            let x = try BackwardGolden.load("dw5.x"), xs = BackwardGolden.shape("dw5.x")
            let c = xs[3]
            let conv = DepthwiseConv2D(channels: c, kernel: 5, stride: 2, padding: .same, weightCHW: try BackwardGolden.load("dw5.w"),
                                       bias: try BackwardGolden.load("dw5.b"), activation: .relu6)
            let g = backward(conv, x, xs, try BackwardGolden.load("dw5.dy"))
            BackwardGolden.assertClose(g.dx, try BackwardGolden.load("dw5.dx"), "depthwise dx")
            BackwardGolden.assertClose(g.dw, try BackwardGolden.load("dw5.dw"), "depthwise dW")
            BackwardGolden.assertClose(g.db, try BackwardGolden.load("dw5.db"), "depthwise db")
        } }
    }

    func testFiniteDifferences() {
        for engine in KernelBuild.eachOnThisCPU { engine.run {
            // 21 and 37 channels: the 16-lane, 4-lane and scalar paths; dilation 2 and TF SAME with
            // stride 2; batch 2 splits images over cores, batch 1 with ≥ 32 channels splits channels.
            for (stride, dilation, batch, c) in [(2, 1, 2, 21), (1, 2, 2, 21), (2, 1, 1, 37)] {
                let xs = [batch, 7, 6, c]
                var x = FiniteDifference.random(xs.reduce(1, *), seed: 61)
                var w = FiniteDifference.random(c * 9, seed: 62, scale: 0.5)
                var b = FiniteDifference.random(c, seed: 63, scale: 0.2)
                func make(_ w: [Float], _ b: [Float]) -> DepthwiseConv2D {
                    DepthwiseConv2D(channels: c, kernel: (3, 3), stride: (stride, stride), dilation: (dilation, dilation),
                                    padding: .same, weightCHW: w, bias: b)
                }
                let conv = make(w, b)
                let r = FiniteDifference.random(conv.forward(Tensor(shape: xs, data: x)).count, seed: 64)
                let g = backward(conv, x, xs, r)
                let x0 = x, w0 = w, b0 = b
                FiniteDifference.check("depthwise s\(stride) d\(dilation) n\(batch) c\(c) dx", &x, analytic: g.dx, samples: 96) {
                    FiniteDifference.dot(conv.forward(Tensor(shape: xs, data: $0)).data, r)
                }
                FiniteDifference.check("depthwise s\(stride) d\(dilation) n\(batch) c\(c) dW", &w, analytic: g.dw, samples: 96) {
                    FiniteDifference.dot(make($0, b0).forward(Tensor(shape: xs, data: x0)).data, r)
                }
                FiniteDifference.check("depthwise s\(stride) d\(dilation) n\(batch) c\(c) db", &b, analytic: g.db) {
                    FiniteDifference.dot(make(w0, $0).forward(Tensor(shape: xs, data: x0)).data, r)
                }
            }
        } }
    }

    /// Backward vs forward of EfficientNet-Lite's depthwise layers at batch 16.
    func testTimingDepthwise() throws {
        try requireTiming()
        for (c, k, stride, hw) in [(32, 3, 1, 112), (144, 5, 2, 56)] {
            let n = 16, xs = [n, hw, hw, c]
            let conv = DepthwiseConv2D(channels: c, kernel: k, stride: stride, padding: .same,
                                       weightCHW: FiniteDifference.random(c * k * k, seed: 1, scale: 0.2),
                                       bias: [Float](repeating: 0.5, count: c), activation: .relu6)
            let x = FiniteDifference.random(xs.reduce(1, *), seed: 2)
            let g = conv.geometry(height: hw, width: hw)
            var y = [Float](repeating: 0, count: n * g.outPixels * c)
            let dy = FiniteDifference.random(y.count, seed: 3)
            var dx = x, dw = conv.weight, db = [Float](repeating: 0, count: c)
            let label = "depthwise \(k)×\(k) s\(stride) \(hw)×\(hw)×\(c) b\(n)"
            let f = bestTime("\(label) forward") { conv.forward(x, batch: n, height: hw, width: hw, into: &y) }
            let b = bestTime("\(label) backward (dx, dW, db)") {
                conv.backward(x: x, y: y, dy: dy, batch: n, height: hw, width: hw, dx: &dx, dWeight: &dw, dBias: &db)
            }
            print(String(format: "  backward/forward = %.2f", b / f))
        }
    }
}
