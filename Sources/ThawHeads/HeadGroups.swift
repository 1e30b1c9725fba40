import Foundation
import ThawBLAS
import ThawTraining

/// K stacked heads split into G groups of consecutive heads, one group per core, each group a
/// `StackedHeads` of its own. A training step runs every group's forward pass, loss, backward pass
/// and optimizer update on its own core with single-threaded OpenBLAS: heads never read each other's
/// numbers, so the groups need no synchronisation inside a step, and no core waits on OpenBLAS's
/// thread hand-offs or on the fork-join loss and update passes between GEMMs (together about a
/// third of a 64-head step on 2 cores before, by `perf`).
///
/// Head k's numbers do not depend on G beyond float rounding (≈1e-7 relative per step): OpenBLAS
/// never splits the reduction of a GEMM, but picks its edge kernels by the GEMM's width.
public final class HeadGroups {
    public let heads: Int
    public let classes: Int
    public let groups: [StackedHeads]
    /// Heads of each group, in order; they tile 0..<heads.
    public let ranges: [Range<Int>]
    private let workspaces: [StackedHeads.Workspace]
    private let dlogits: [FloatBuffer]        // per group [B, K_g·classes]
    /// All heads in one model, refreshed by `synchronizedModel()` (evaluation uses big GEMMs on all cores).
    private let whole: StackedHeads

    /// Groups for `seeds.count` heads: `min(heads, cores)` groups unless `groupCount` says otherwise.
    /// `dropoutSeeds[k]` seeds head k's dropout masks.
    public init(shape: HeadShape, seeds: [UInt64], dropoutSeeds: [UInt64], inputWidth: Int, classes: Int,
                gem: (spatial: Int, channels: Int, p: Float)?, capacity: Int, groupCount: Int? = nil) {
        precondition(dropoutSeeds.count == seeds.count, "HeadGroups: one dropout seed per head")
        let k = seeds.count
        let g = max(1, min(k, groupCount ?? ProcessInfo.processInfo.activeProcessorCount))
        heads = k
        self.classes = classes
        ranges = (0..<g).map { (k * $0 / g) ..< (k * ($0 + 1) / g) }
        groups = ranges.map {
            StackedHeads(shape: shape, seeds: Array(seeds[$0]), inputWidth: inputWidth, classes: classes, gem: gem)
        }
        workspaces = zip(groups, ranges).map { m, r in
            m.makeWorkspace(capacity: capacity, dropoutSeeds: Array(dropoutSeeds[r]))
        }
        dlogits = ranges.map { FloatBuffer(count: capacity * $0.count * classes) }
        whole = g == 1 ? groups[0]
            : StackedHeads(shape: shape, seeds: seeds, inputWidth: inputWidth, classes: classes, gem: gem)
    }

    /// One training step on x [B, D] (maps [B, S, C] with GeM) and labels [B]: forward, softmax
    /// cross-entropy, backward and the optimizer update of every head with a rate (`rates[k]` =
    /// (lr, weight decay); nil leaves head k unchanged). Writes head k's mean loss into `losses[k]`.
    public func step(x: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, smoothing: Float,
                     classWeights: UnsafePointer<Float>?, rates: [(Float, Float)?], optimizer: Optimizer,
                     step: Int, losses: inout [Double]) {
        precondition(rates.count == heads && losses.count == heads, "HeadGroups.step: one rate and one loss slot per head")
        let single = groups.count == 1
        losses.withUnsafeMutableBufferPointer { lp in
            let lossBase = lp.baseAddress!
            let work = { (g: Int) in
                let m = self.groups[g], ws = self.workspaces[g], r = self.ranges[g]
                let d = self.dlogits[g].pointer
                m.forward(x: x, batch: batch, train: true, ws: ws)
                SoftmaxCrossEntropy.forward(logits: ws.logits.pointer, labels: labels, batch: batch, heads: r.count,
                                            classes: self.classes, smoothing: smoothing, classWeights: classWeights,
                                            losses: lossBase + r.lowerBound, dlogits: d, parallel: single)
                m.zeroGrad()
                m.backward(dlogits: d, x: x, batch: batch, train: true, ws: ws)
                let groupRates = Array(rates[r])
                for p in m.parameters {
                    p.updateHeads(rates: groupRates, optimizer: optimizer, step: step, parallel: single)
                }
            }
            if single {
                work(0)
            } else {
                BLAS.singleThreaded { DispatchQueue.concurrentPerform(iterations: groups.count, execute: work) }
            }
        }
    }

    /// `step` with the loss settings of `options` (label smoothing, class weights, optimizer) and
    /// labels [B] from an array, as both trainers call it.
    public func step(x: UnsafePointer<Float>, labels: [Int32], batch: Int, options: TrainingOptions,
                     rates: [(Float, Float)?], step: Int, losses: inout [Double]) {
        labels.withUnsafeBufferPointer { y in
            (options.classWeights ?? []).withUnsafeBufferPointer { w in
                self.step(x: x, labels: y.baseAddress!, batch: batch, smoothing: options.labelSmoothing,
                          classWeights: w.isEmpty ? nil : w.baseAddress!, rates: rates,
                          optimizer: options.optimizer, step: step, losses: &losses)
            }
        }
    }

    /// Which group holds head k, and its index there.
    private func locate(_ k: Int) -> (group: Int, local: Int) {
        let g = ranges.firstIndex { $0.contains(k) }!
        return (g, k - ranges[g].lowerBound)
    }

    /// Head k's parameters keyed by checkpoint name.
    public func state(head k: Int) -> [String: [Float]] {
        let (g, i) = locate(k)
        return groups[g].state(head: i)
    }

    /// Loads head k's parameters (see `StackedHeads.load`).
    public func load(head k: Int, _ state: [String: [Float]]) {
        let (g, i) = locate(k)
        groups[g].load(head: i, state)
    }

    /// All heads in one `StackedHeads` holding the groups' current values (the same object every
    /// call; copies ≈ one pass over the parameters).
    public func synchronizedModel() -> StackedHeads {
        guard groups.count > 1 else { return whole }
        for (pi, p) in whole.parameters.enumerated() {
            let n = p.perHead
            p.value.withUnsafeMutableBufferPointer { dst in
                for (g, r) in ranges.enumerated() {
                    groups[g].parameters[pi].value.withUnsafeBufferPointer { src in
                        (dst.baseAddress! + r.lowerBound * n).update(from: src.baseAddress!, count: src.count)
                    }
                }
            }
        }
        return whole
    }
}
