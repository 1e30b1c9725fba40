import Dispatch

/// One trainable tensor shared by K stacked heads: head k owns the contiguous slice
/// `value[k·perHead ..< (k+1)·perHead]`, so a per-head update is one plain loop.
public final class Parameter {
    /// Checkpoint key of one head's slice, e.g. "fc1.weight".
    public let name: String
    public let heads: Int
    /// Whether weight decay applies (weights yes; biases, LayerNorm and GeM's p no).
    public let decays: Bool
    public var value: [Float]   // [K · perHead]
    public var grad: [Float]    // [K · perHead], accumulated by backward passes
    var state1: [Float]         // optimizer state (momentum / first moment)
    var state2: [Float]         // optimizer state (second moment)

    public var perHead: Int { value.count / heads }

    public init(name: String, heads: Int, perHead: Int, decays: Bool, fill: Float = 0) {
        precondition(heads > 0 && perHead > 0, "Parameter \(name): heads and size must be positive")
        self.name = name
        self.heads = heads
        self.decays = decays
        value = [Float](repeating: fill, count: heads * perHead)
        grad = [Float](repeating: 0, count: heads * perHead)
        state1 = []
        state2 = []
    }

    /// Sets every gradient to zero (gradients only accumulate otherwise).
    public func zeroGrad() {
        for i in grad.indices { grad[i] = 0 }
    }

    /// One head's values (a copy).
    public func values(head k: Int) -> [Float] {
        Array(value[k * perHead ..< (k + 1) * perHead])
    }

    /// Replaces one head's values; `values.count` must equal `perHead`.
    public func setValues(head k: Int, _ values: [Float]) {
        precondition(values.count == perHead, "Parameter \(name): expected \(perHead) values, got \(values.count)")
        value.replaceSubrange(k * perHead ..< (k + 1) * perHead, with: values)
    }

    /// Applies `optimizer` to the slices of every head with a rate (nil = frozen head), heads spread
    /// over the cores unless `parallel` is false; `rates[k]` is (learning rate, weight decay).
    public func updateHeads(rates: [(Float, Float)?], optimizer: Optimizer, step: Int, parallel: Bool = true) {
        precondition(rates.count == heads, "Parameter \(name): one rate per head")
        if optimizer.stateCount >= 1 && state1.isEmpty { state1 = [Float](repeating: 0, count: value.count) }
        if optimizer.stateCount >= 2 && state2.isEmpty { state2 = [Float](repeating: 0, count: value.count) }
        let n = perHead, decays = decays
        let hasState1 = !state1.isEmpty, hasState2 = !state2.isEmpty
        value.withUnsafeMutableBufferPointer { p in
            grad.withUnsafeBufferPointer { g in
                state1.withUnsafeMutableBufferPointer { s1 in
                    state2.withUnsafeMutableBufferPointer { s2 in
                        // Disjoint slices per head: safe to update concurrently.
                        let pp = p.baseAddress!, gp = g.baseAddress!, s1p = s1.baseAddress, s2p = s2.baseAddress
                        let work = { (k: Int) in
                            guard let (lr, wd) = rates[k] else { return }
                            optimizer.update(param: pp + k * n, grad: gp + k * n, count: n,
                                             state1: hasState1 ? s1p! + k * n : nil, state2: hasState2 ? s2p! + k * n : nil,
                                             lr: lr, weightDecay: decays ? wd : 0, step: step)
                        }
                        if parallel && heads * n >= 65_536 && heads > 1 {
                            DispatchQueue.concurrentPerform(iterations: heads, execute: work)
                        } else {
                            for k in 0..<heads { work(k) }
                        }
                    }
                }
            }
        }
    }

    /// Applies `optimizer` to head k's slice (1-based `step`), allocating state on first use.
    func update(head k: Int, optimizer: Optimizer, lr: Float, weightDecay: Float, step: Int) {
        let n = perHead
        if optimizer.stateCount >= 1 && state1.isEmpty { state1 = [Float](repeating: 0, count: value.count) }
        if optimizer.stateCount >= 2 && state2.isEmpty { state2 = [Float](repeating: 0, count: value.count) }
        let wd = decays ? weightDecay : 0
        let hasState1 = !state1.isEmpty
        let hasState2 = !state2.isEmpty
        value.withUnsafeMutableBufferPointer { p in
            grad.withUnsafeBufferPointer { g in
                state1.withUnsafeMutableBufferPointer { s1 in
                    state2.withUnsafeMutableBufferPointer { s2 in
                        optimizer.update(param: p.baseAddress! + k * n, grad: g.baseAddress! + k * n, count: n,
                                         state1: hasState1 ? s1.baseAddress! + k * n : nil,
                                         state2: hasState2 ? s2.baseAddress! + k * n : nil,
                                         lr: lr, weightDecay: wd, step: step)
                    }
                }
            }
        }
    }
}
