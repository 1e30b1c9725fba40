import XCTest
@testable import ThawKernels

final class PoolingBackwardTests: XCTestCase {
    private func maxPool(_ x: [Float], _ xs: [Int], k: Int, s: Int, p: Padding2D) -> [Float] {
        let g = WindowGeometry(inHeight: xs[1], inWidth: xs[2], kernel: (k, k), stride: (s, s), padding: p)
        var y = [Float](repeating: 0, count: xs[0] * g.outPixels * xs[3])
        Pooling.maxPool(x, batch: xs[0], height: xs[1], width: xs[2], channels: xs[3], kernel: k, stride: s, padding: p, into: &y)
        return y
    }

    private func avgPool(_ x: [Float], _ xs: [Int], k: Int, s: Int, p: Padding2D, countPadding: Bool) -> [Float] {
        let g = WindowGeometry(inHeight: xs[1], inWidth: xs[2], kernel: (k, k), stride: (s, s), padding: p)
        var y = [Float](repeating: 0, count: xs[0] * g.outPixels * xs[3])
        Pooling.avgPool(x, batch: xs[0], height: xs[1], width: xs[2], channels: xs[3], kernel: k, stride: s, padding: p,
                        countPadding: countPadding, into: &y)
        return y
    }

    private func maxBackward(_ x: [Float], _ xs: [Int], _ dy: [Float], k: Int, s: Int, p: Padding2D) -> [Float] {
        let y = maxPool(x, xs, k: k, s: s, p: p)
        var dx = [Float](repeating: .nan, count: x.count)
        Pooling.maxPoolBackward(x: x, y: y, dy: dy, batch: xs[0], height: xs[1], width: xs[2], channels: xs[3],
                                kernel: k, stride: s, padding: p, dx: &dx)
        return dx
    }

    private func avgBackward(_ xs: [Int], _ dy: [Float], k: Int, s: Int, p: Padding2D, countPadding: Bool) -> [Float] {
        var dx = [Float](repeating: .nan, count: xs.reduce(1, *))
        Pooling.avgPoolBackward(dy: dy, batch: xs[0], height: xs[1], width: xs[2], channels: xs[3], kernel: k, stride: s,
                                padding: p, countPadding: countPadding, dx: &dx)
        return dx
    }

    func testMaxPoolMatchesPyTorch() throws {
        let x = try BackwardGolden.load("maxpool.x"), xs = BackwardGolden.shape("maxpool.x")
        BackwardGolden.assertClose(maxPool(x, xs, k: 3, s: 2, p: .symmetric(1)), try BackwardGolden.load("maxpool.y"), "maxpool y")
        let dx = maxBackward(x, xs, try BackwardGolden.load("maxpool.dy"), k: 3, s: 2, p: .symmetric(1))
        BackwardGolden.assertClose(dx, try BackwardGolden.load("maxpool.dx"), "maxpool dx")
    }

    func testAvgPoolMatchesPyTorch() throws {
        let xs = [2, 8, 7, 5]
        let dx = avgBackward(xs, try BackwardGolden.load("avgpool.dy"), k: 3, s: 2, p: .symmetric(1), countPadding: true)
        BackwardGolden.assertClose(dx, try BackwardGolden.load("avgpool.dx"), "avgpool dx")
    }

    func testGlobalAvgPoolMatchesPyTorch() throws {
        let xs = [2, 3, 4, 5]
        var dx = [Float](repeating: .nan, count: xs.reduce(1, *))
        Pooling.globalAvgPoolBackward(dy: try BackwardGolden.load("gap.dy"), batch: 2, height: 3, width: 4, channels: 5, dx: &dx)
        BackwardGolden.assertClose(dx, try BackwardGolden.load("gap.dx"), "global avg pool dx")
    }

    func testMaxPoolFiniteDifferences() {
        let xs = [2, 7, 6, 3]
        // Distinct values far apart (a shuffled ramp, step 0.1 ≫ ε) so no window's maximum changes under ±ε.
        let n = xs.reduce(1, *)
        var x = (0..<n).map { Float(($0 * 37) % n) * 0.1 }
        let r = FiniteDifference.random(maxPool(x, xs, k: 3, s: 2, p: .same).count, seed: 91)
        let dx = maxBackward(x, xs, r, k: 3, s: 2, p: .same)
        FiniteDifference.check("maxpool dx", &x, analytic: dx, samples: n) { FiniteDifference.dot(self.maxPool($0, xs, k: 3, s: 2, p: .same), r) }
    }

    func testAvgPoolFiniteDifferences() {
        let xs = [2, 7, 6, 3]
        for (p, countPadding) in [(Padding2D.same, false), (.symmetric(1), true), (.none, true)] {
            var x = FiniteDifference.random(xs.reduce(1, *), seed: 92)
            let r = FiniteDifference.random(avgPool(x, xs, k: 3, s: 2, p: p, countPadding: countPadding).count, seed: 93)
            let dx = avgBackward(xs, r, k: 3, s: 2, p: p, countPadding: countPadding)
            FiniteDifference.check("avgpool \(p) dx", &x, analytic: dx, samples: x.count) {
                FiniteDifference.dot(self.avgPool($0, xs, k: 3, s: 2, p: p, countPadding: countPadding), r)
            }
        }
    }

    func testGlobalAvgPoolFiniteDifferences() {
        let (n, h, w, c) = (2, 3, 5, 4)
        var x = FiniteDifference.random(n * h * w * c, seed: 94)
        let r = FiniteDifference.random(n * c, seed: 95)
        func f(_ v: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: n * c)
            Pooling.globalAvgPool(v, batch: n, height: h, width: w, channels: c, into: &y)
            return y
        }
        var dx = [Float](repeating: .nan, count: x.count)
        Pooling.globalAvgPoolBackward(dy: r, batch: n, height: h, width: w, channels: c, dx: &dx)
        FiniteDifference.check("global avg pool dx", &x, analytic: dx, samples: x.count) { FiniteDifference.dot(f($0), r) }
    }
}
