import ThawCore
import XCTest
@testable import ThawHeads

/// Finite-difference checks of every backward pass (central differences, h = 5e-3, losses summed in double).
final class GradientCheckTests: XCTestCase {
    let h: Float = 5e-3

    func randoms(_ n: Int, seed: UInt64, scale: Float = 1, offset: Float = 0) -> [Float] {
        var g = SplitMix64(seed: seed)
        return (0..<n).map { _ in g.nextNormal() * scale + offset }
    }

    /// Σ_k loss_k of the stack on (x, y); analytical gradients left in the parameters when `backward`.
    func loss(_ m: StackedHeads, x: [Float], y: [Int32], smoothing: Float, weights: [Float]?, backward: Bool) -> Double {
        let b = y.count
        let ws = m.makeWorkspace(capacity: b, dropoutSeeds: (0..<m.heads).map { UInt64($0) * 7 + 1 })
        var losses = [Double](repeating: 0, count: m.heads)
        let dl = FloatBuffer(count: b * m.heads * m.classes)
        x.withUnsafeBufferPointer { xp in
            m.forward(x: xp.baseAddress!, batch: b, train: true, ws: ws)
            y.withUnsafeBufferPointer { yp in
                (weights ?? []).withUnsafeBufferPointer { w in
                    SoftmaxCrossEntropy.forward(logits: ws.logits.pointer, labels: yp.baseAddress!, batch: b, heads: m.heads,
                                                classes: m.classes, smoothing: smoothing,
                                                classWeights: weights == nil ? nil : w.baseAddress!,
                                                losses: &losses, dlogits: dl.pointer)
                }
            }
            if backward {
                m.zeroGrad()
                m.backward(dlogits: dl.pointer, x: xp.baseAddress!, batch: b, train: true, ws: ws)
            }
        }
        return losses.reduce(0, +)
    }

    func check(_ m: StackedHeads, x: [Float], y: [Int32], smoothing: Float = 0, weights: [Float]? = nil,
               file: StaticString = #filePath, line: UInt = #line) {
        _ = loss(m, x: x, y: y, smoothing: smoothing, weights: weights, backward: true)
        for p in m.parameters {
            let analytic = p.grad
            let n = p.value.count
            for i in stride(from: 0, to: n, by: max(1, n / 23)) {
                let v = p.value[i]
                p.value[i] = v + h
                let up = loss(m, x: x, y: y, smoothing: smoothing, weights: weights, backward: false)
                p.value[i] = v - h
                let down = loss(m, x: x, y: y, smoothing: smoothing, weights: weights, backward: false)
                p.value[i] = v
                let fd = (up - down) / Double(2 * h)
                let an = Double(analytic[i])
                XCTAssertEqual(an, fd, accuracy: 2e-2 * abs(fd) + 3e-4, "\(p.name)[\(i)]", file: file, line: line)
            }
        }
    }

    func testLinearHeadsStackedWithClassWeights() {
        let m = StackedHeads(shape: .linear, seeds: [1, 2, 3], inputWidth: 10, classes: 5)
        check(m, x: randoms(6 * 10, seed: 9), y: [0, 1, 2, 3, 4, 1], weights: [1, 2, 0.5, 1.5, 1])
    }

    func testLabelSmoothing() {
        let m = StackedHeads(shape: .linear, seeds: [4, 5], inputWidth: 8, classes: 4)
        check(m, x: randoms(5 * 8, seed: 10), y: [0, 1, 2, 3, 1], smoothing: 0.2)
        check(m, x: randoms(5 * 8, seed: 11), y: [3, 1, 2, 0, 0], smoothing: 0.1, weights: [1, 3, 1, 0.5])
    }

    func testMLPReLUOneHiddenLayer() {
        // ReLU has a kink at 0: use the first data seed whose pre-activations all lie ≥ 0.05 from it,
        // so no ±h perturbation crosses the kink.
        let m = StackedHeads(shape: HeadShape(hidden: [7]), seeds: [6, 7], inputWidth: 9, classes: 3)
        let ws = m.makeWorkspace(capacity: 5)
        var x: [Float] = []
        for seed in UInt64(17)... {
            x = randoms(5 * 9, seed: seed)
            x.withUnsafeBufferPointer { m.forward(x: $0.baseAddress!, batch: 5, train: true, ws: ws) }
            if ws.z[0].array.allSatisfy({ abs($0) >= 0.05 }) { break }
        }
        check(m, x: x, y: [0, 1, 2, 1, 0])
    }

    func testMLPTwoHiddenLayersGELULayerNormDropout() {
        let shape = HeadShape(hidden: [8, 6], activation: .gelu, dropout: 0.3, layerNorm: true)
        let m = StackedHeads(shape: shape, seeds: [8, 9], inputWidth: 5, classes: 4)
        for p in m.parameters where p.name.hasPrefix("ln") {
            for i in p.value.indices { p.value[i] += 0.2 * Float(i % 5) - 0.4 }
        }
        check(m, x: randoms(6 * 5, seed: 13), y: [0, 1, 2, 3, 1, 2], smoothing: 0.1)
    }

    func testGeMHeadsIncludingP() {
        // Maps [B, S=4, C=6], positive like post-ReLU features; two heads with different p.
        let m = StackedHeads(shape: .linear, seeds: [10, 11], inputWidth: 6, classes: 3, gem: (spatial: 4, channels: 6, p: 3))
        m.gemP!.value = [3, 2.2]
        let x = randoms(5 * 4 * 6, seed: 14, scale: 0.5).map { abs($0) + 0.05 }
        check(m, x: x, y: [0, 1, 2, 1, 0])
        let mlp = StackedHeads(shape: HeadShape(hidden: [5]), seeds: [12], inputWidth: 6, classes: 3,
                               gem: (spatial: 4, channels: 6, p: 2.5))
        check(mlp, x: x, y: [2, 1, 0, 1, 0])
    }

    /// d(Σ r·pool(x))/dx for every pooling, GeM included.
    /// GeM, the one pooling heads train through (fixed poolings are computed once, before training).
    func testGeMInputGradients() {
        let n = 2, s = 5, c = 3
        let x = randoms(n * s * c, seed: 15).map { abs($0) + 0.1 }
        for pooling in [Pooling.gem(p: 3)] {
            let w = pooling.outputWidth(channels: c)
            let r = randoms(n * w, seed: 16)
            func objective(_ x: [Float]) -> Double {
                var y = [Float](repeating: 0, count: n * w)
                guard case .gem(let p) = pooling else { preconditionFailure("GeM only") }
                var mean = y
                GeM.forward(x: x, batch: n, spatial: s, channels: c, p: [p], heads: 1, y: &y, savedMean: &mean)
                return zip(y, r).reduce(0.0) { $0 + Double($1.0 * $1.1) }
            }
            var dx = [Float](repeating: 0, count: x.count)
            guard case .gem(let p) = pooling else { preconditionFailure("GeM only") }
            var y = [Float](repeating: 0, count: n * w), mean = y, dp: [Float] = [0]
            GeM.forward(x: x, batch: n, spatial: s, channels: c, p: [p], heads: 1, y: &y, savedMean: &mean)
            GeM.backward(dy: r, x: x, batch: n, spatial: s, channels: c, p: [p], heads: 1, y: y, savedMean: mean,
                         dp: &dp, dx: &dx)
            for i in x.indices {
                var xp = x, xm = x
                xp[i] += h; xm[i] -= h
                let fd = (objective(xp) - objective(xm)) / Double(2 * h)
                XCTAssertEqual(Double(dx[i]), fd, accuracy: 2e-2 * abs(fd) + 3e-4, "\(pooling) dx[\(i)]")
            }
        }
    }

    func testFixedPoolingValues() {
        // One sample, S=3, C=2: columns (1, 4, 2) and (−1, −3, 5).
        let x: [Float] = [1, -1, 4, -3, 2, 5]
        var out = [Float](repeating: 0, count: 4)
        Pooling.avgMax.pool(maps: x, count: 1, spatial: 3, channels: 2, out: &out)
        for (a, b) in zip(out, [Float(7.0 / 3), Float(1.0 / 3), 4, 5]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        var mx = [Float](repeating: 0, count: 2)
        Pooling.max.pool(maps: x, count: 1, spatial: 3, channels: 2, out: &mx)
        XCTAssertEqual(mx, [4, 5])
    }
}
