import XCTest
@testable import ThawKernels

final class AttentionBackwardTests: XCTestCase {
    private func params(_ w: [[Float]], _ b: [[Float]], c: Int, heads: Int) -> SelfAttentionParameters {
        let l = (0..<4).map { LinearParameters(weight: w[$0], bias: b[$0], inFeatures: c, outFeatures: c) }
        return SelfAttentionParameters(query: l[0], key: l[1], value: l[2], output: l[3], heads: heads)
    }

    private func forward(_ p: SelfAttentionParameters, _ x: [Float], _ mask: [Int32], batch: Int, t: Int,
                         _ ws: inout SelfAttentionWorkspace) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        SelfAttention.forward(p, x: x, mask: mask, batch: batch, length: t, workspace: &ws, y: &y)
        return y
    }

    /// dx and the gradients, from a fresh forward.
    private func backward(_ p: SelfAttentionParameters, _ x: [Float], _ mask: [Int32], _ dy: [Float], batch: Int, t: Int)
        -> ([Float], SelfAttentionGradients) {
        let c = p.channels
        var fw = SelfAttentionWorkspace(batch: batch, length: t, channels: c, heads: p.heads)
        _ = forward(p, x, mask, batch: batch, t: t, &fw)
        var bw = SelfAttentionBackwardWorkspace(batch: batch, length: t, channels: c, heads: p.heads)
        var grads = SelfAttentionGradients(channels: c)
        var dx = [Float](repeating: .nan, count: x.count)
        SelfAttention.backward(p, x: x, dy: dy, batch: batch, length: t, forward: fw, workspace: &bw, dx: &dx, gradients: &grads)
        return (dx, grads)
    }

    func testMatchesPyTorchWithPaddingMask() throws {
        func L(_ n: String) throws -> [Float] { try BackwardGolden.load("attention.\(n)") }
        let names = ["query", "key", "value", "output"]
        let p = params(try names.map { try L("\($0)_w") }, try names.map { try L("\($0)_b") }, c: 8, heads: 2)
        let x = try L("x"), mask = try L("mask").map { Int32($0) }
        var fw = SelfAttentionWorkspace(batch: 2, length: 5, channels: 8, heads: 2)
        BackwardGolden.assertClose(forward(p, x, mask, batch: 2, t: 5, &fw), try L("y"), "attention y")
        let (dx, g) = backward(p, x, mask, try L("dy"), batch: 2, t: 5)
        BackwardGolden.assertClose(dx, try L("dx"), "attention dx")
        for (name, lg) in zip(names, [g.query, g.key, g.value, g.output]) {
            BackwardGolden.assertClose(lg.weight, try L("\(name)_dw"), "attention \(name) dW")
            if name == "key" {
                // Zero in exact arithmetic (softmax ignores a constant added to a row of scores);
                // fp32 leaves rounding of the order of 1e-7 times the other gradients.
                XCTAssertTrue(lg.bias.allSatisfy { abs($0) < 1e-5 }, "attention key db should vanish")   // false on NaN, unlike max()
            } else {
                BackwardGolden.assertClose(lg.bias, try L("\(name)_db"), "attention \(name) db")
            }
        }
    }

    func testFiniteDifferencesWithPaddingMask() {
        let batch = 2, t = 4, c = 6, heads = 3
        var x = FiniteDifference.random(batch * t * c, seed: 101)
        var w = (0..<4).map { FiniteDifference.random(c * c, seed: 110 + UInt64($0), scale: 0.4) }
        var b = (0..<4).map { FiniteDifference.random(c, seed: 120 + UInt64($0), scale: 0.1) }
        let mask: [Int32] = [1, 1, 1, 1, 1, 1, 0, 0]
        let p = params(w, b, c: c, heads: heads)
        let r = FiniteDifference.random(batch * t * c, seed: 130)
        let (dx, g) = backward(p, x, mask, r, batch: batch, t: t)
        func loss(_ p: SelfAttentionParameters, _ x: [Float]) -> Double {
            var ws = SelfAttentionWorkspace(batch: batch, length: t, channels: c, heads: heads)
            return FiniteDifference.dot(forward(p, x, mask, batch: batch, t: t, &ws), r)
        }
        let x0 = x
        FiniteDifference.check("attention dx", &x, analytic: dx) { loss(p, $0) }
        let grads = [g.query, g.key, g.value, g.output]
        for i in 0..<4 {
            let w0 = w, b0 = b
            FiniteDifference.check("attention W\(i)", &w[i], analytic: grads[i].weight) { v in
                var ww = w0; ww[i] = v
                return loss(self.params(ww, b0, c: c, heads: heads), x0)
            }
            FiniteDifference.check("attention b\(i)", &b[i], analytic: grads[i].bias) { v in
                var bb = b0; bb[i] = v
                return loss(self.params(w0, bb, c: c, heads: heads), x0)
            }
        }
    }

    /// MPNet's score bias [H, T, T]: its gradient (and dx, dW with the bias in the forward) against
    /// finite differences, and through `RelativePositionBias` down to the shared [buckets, H] table.
    func testScoreBiasGradientFiniteDifferences() {
        let batch = 2, t = 20, c = 6, heads = 3, buckets = 8, maxDistance = 12
        var x = FiniteDifference.random(batch * t * c, seed: 201)
        let w = (0..<4).map { FiniteDifference.random(c * c, seed: 210 + UInt64($0), scale: 0.4) }
        let b = (0..<4).map { FiniteDifference.random(c, seed: 220 + UInt64($0), scale: 0.1) }
        var table = FiniteDifference.random(buckets * heads, seed: 230)   // [buckets, H]
        let mask = [Int32](repeating: 1, count: t) + [Int32](repeating: 1, count: 13) + [Int32](repeating: 0, count: t - 13)
        let p = params(w, b, c: c, heads: heads)
        let r = FiniteDifference.random(batch * t * c, seed: 240)
        func bias(_ table: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: heads * t * t)
            RelativePositionBias.forward(table: table, buckets: buckets, heads: heads, maxDistance: maxDistance, length: t, bias: &out)
            return out
        }
        func loss(_ x: [Float], _ table: [Float]) -> Double {
            var ws = SelfAttentionWorkspace(batch: batch, length: t, channels: c, heads: heads)
            var y = [Float](repeating: 0, count: x.count)
            SelfAttention.forward(p, x: x, mask: mask, batch: batch, length: t, workspace: &ws, y: &y, bias: bias(table))
            return FiniteDifference.dot(y, r)
        }
        var fw = SelfAttentionWorkspace(batch: batch, length: t, channels: c, heads: heads)
        var y = [Float](repeating: 0, count: x.count)
        SelfAttention.forward(p, x: x, mask: mask, batch: batch, length: t, workspace: &fw, y: &y, bias: bias(table))
        var bw = SelfAttentionBackwardWorkspace(batch: batch, length: t, channels: c, heads: heads)
        var grads = SelfAttentionGradients(channels: c)
        var dx = [Float](repeating: .nan, count: x.count)
        var dBias = [Float](repeating: 0, count: heads * t * t)
        SelfAttention.backward(p, x: x, dy: r, batch: batch, length: t, forward: fw, workspace: &bw, dx: &dx,
                               gradients: &grads, dBias: &dBias)
        var dTable = [Float](repeating: 0, count: buckets * heads)
        RelativePositionBias.backward(dBias: dBias, buckets: buckets, heads: heads, maxDistance: maxDistance, length: t, dTable: &dTable)
        XCTAssertTrue(dTable.contains { $0 != 0 } && !dTable.contains { $0.isNaN }, "table gradient is zero or NaN")
        let x0 = x, table0 = table
        FiniteDifference.check("relative bias table", &table, analytic: dTable) { loss(x0, $0) }
        FiniteDifference.check("attention dx with a score bias", &x, analytic: dx) { loss($0, table0) }
        // The bias gradient itself, element by element: loss as a function of the [H, T, T] bias.
        var biasValues = bias(table0)
        FiniteDifference.check("score bias", &biasValues, analytic: dBias) { v in
            var ws = SelfAttentionWorkspace(batch: batch, length: t, channels: c, heads: heads)
            var y = [Float](repeating: 0, count: x0.count)
            SelfAttention.forward(p, x: x0, mask: mask, batch: batch, length: t, workspace: &ws, y: &y, bias: v)
            return FiniteDifference.dot(y, r)
        }
    }

    /// Backward vs forward of one MiniLM self-attention (16 × 128 tokens, 384 channels, 12 heads).
    func testTimingAttention() throws {
        try requireTiming()
        let (b, t, c, h) = (16, 128, 384, 12)
        let w = (0..<4).map { FiniteDifference.random(c * c, seed: UInt64($0), scale: 0.05) }
        let bias = (0..<4).map { _ in [Float](repeating: 0, count: c) }
        let p = params(w, bias, c: c, heads: h)
        let x = FiniteDifference.random(b * t * c, seed: 9), dy = FiniteDifference.random(b * t * c, seed: 10)
        let mask = [Int32](repeating: 1, count: b * t)
        var fw = SelfAttentionWorkspace(batch: b, length: t, channels: c, heads: h)
        var bw = SelfAttentionBackwardWorkspace(batch: b, length: t, channels: c, heads: h)
        var grads = SelfAttentionGradients(channels: c)
        var y = [Float](repeating: 0, count: x.count), dx = y
        let f = bestTime("self-attention 16×128×384 forward") {
            SelfAttention.forward(p, x: x, mask: mask, batch: b, length: t, workspace: &fw, y: &y)
        }
        let bt = bestTime("self-attention 16×128×384 backward (dx + 4 dW, db)") {
            SelfAttention.backward(p, x: x, dy: dy, batch: b, length: t, forward: fw, workspace: &bw, dx: &dx, gradients: &grads)
        }
        print(String(format: "  backward/forward = %.2f", bt / f))
    }
}
