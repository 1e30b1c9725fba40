import Foundation
import ThawCore
@testable import ThawTraining

/// Rows x [m, d] and labels [m].
struct Rows {
    var x: [Float]
    var labels: [Int32]
}

/// A real multinomial logistic regression trained through the loop: logits = x·Wᵀ + b, softmax
/// cross-entropy, AdamW on `Parameter`s. Records the rate of every update it is given.
final class SoftmaxRegression: ChunkedModel {
    typealias Chunk = Rows
    let d: Int, classes: Int
    let weight: Parameter   // [classes, d]
    let bias: Parameter     // [classes]
    let optimizer = Optimizer.adamwDefault
    var rates: [Float] = []

    init(d: Int, classes: Int, seed: UInt64) {
        self.d = d; self.classes = classes
        weight = Parameter(name: "w", heads: 1, perHead: classes * d, decays: true)
        bias = Parameter(name: "b", heads: 1, perHead: classes, decays: false)
        var g = SplitMix64(seed: seed)
        for i in weight.value.indices { weight.value[i] = 0.1 * g.nextNormal() }
    }

    func zeroGrad() { weight.zeroGrad(); bias.zeroGrad() }

    func forward(_ c: Rows) -> (logits: [Float], saved: Rows) {
        let m = c.labels.count
        var z = [Float](repeating: 0, count: m * classes)
        for r in 0..<m { for j in 0..<classes {
            var s = bias.value[j]
            for i in 0..<d { s += c.x[r * d + i] * weight.value[j * d + i] }
            z[r * classes + j] = s
        } }
        return (z, c)
    }

    func loss(logits z: [Float], chunk c: Rows) -> (loss: Double, dlogits: [Float]) {
        let m = c.labels.count
        var dz = [Float](repeating: 0, count: z.count), loss = 0.0
        for r in 0..<m {
            let row = z[(r * classes)..<((r + 1) * classes)], top = row.max()!
            let e = row.map { Foundation.exp($0 - top) }, sum = e.reduce(0, +)
            let y = Int(c.labels[r])
            loss -= Double(Foundation.log(e[y] / sum))
            for j in 0..<classes { dz[r * classes + j] = (e[j] / sum - (j == y ? 1 : 0)) / Float(m) }
        }
        return (loss / Double(m), dz)
    }

    func backward(_ dz: [Float], saved c: Rows) {
        for r in 0..<c.labels.count { for j in 0..<classes {
            let g = dz[r * classes + j]
            bias.grad[j] += g
            for i in 0..<d { weight.grad[j * d + i] += g * c.x[r * d + i] }
        } }
    }

    func update(rate: Float, step: Int) {
        rates.append(rate)
        for p in [weight, bias] { p.updateHeads(rates: [(rate, 0.01)], optimizer: optimizer, step: step) }
    }

    func snapshot(member _: Int) -> [[Float]] { [weight.value, bias.value] }
    func restore(member _: Int, _ s: [[Float]]) { weight.value = s[0]; bias.value = s[1] }

    /// Weights and optimizer state: what a checkpoint of this model holds.
    var checkpoint: [[Float]] { [weight.value, bias.value, weight.state1, weight.state2, bias.state1, bias.state2] }
    func load(checkpoint s: [[Float]]) {
        weight.value = s[0]; bias.value = s[1]; weight.state1 = s[2]; weight.state2 = s[3]; bias.state1 = s[4]; bias.state2 = s[5]
    }
}

/// Gaussian clusters: `count` rows of width `d` around one mean per class.
struct Clusters {
    var x: [Float]
    var labels: [Int32]
    let d: Int

    init(count: Int, d: Int, classes: Int, noise: Float, seed: UInt64) {
        self.d = d
        var g = SplitMix64(seed: 99)
        let means = (0..<classes).map { _ in (0..<d).map { _ in g.nextNormal() } }
        var h = SplitMix64(seed: seed)
        x = []; labels = []
        for r in 0..<count {
            let y = r % classes
            x += means[y].map { $0 + noise * h.nextNormal() }
            labels.append(Int32(y))
        }
    }

    func rows(_ rows: some Collection<Int>) -> Rows {
        Rows(x: rows.flatMap { self.x[($0 * d)..<(($0 + 1) * d)] }, labels: rows.map { self.labels[$0] })
    }

    /// Shuffled batches of `batch` rows in chunks of `chunk`.
    func batches(batch: Int, chunk: Int, seed: UInt64) -> ShuffledBatches<Rows> {
        ShuffledBatches(rowCount: labels.count, batchSize: batch, chunkSize: chunk, seed: seed) { rows, _ in self.rows(rows) }
    }

    /// Mean loss and accuracy of `model` on every row.
    func score(_ model: SoftmaxRegression) -> [ValidationScore] {
        let all = rows(0..<labels.count)
        let (z, _) = model.forward(all)
        let loss = model.loss(logits: z, chunk: all).loss
        var right = 0
        for r in 0..<labels.count {
            let row = Array(z[(r * model.classes)..<((r + 1) * model.classes)])
            if row.indices.max(by: { row[$0] < row[$1] }) == Int(labels[r]) { right += 1 }
        }
        return [ValidationScore(loss: loss, top1: Double(right) / Double(labels.count))]
    }
}
