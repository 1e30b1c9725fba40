import Foundation
import ThawHeads
import ThawKernels
import ThawTraining

/// How one optimizer step updates a `FineTuneModel`: the rule, the head learning rate, the
/// per-block decay of it, weight decay (weights only) and global-norm gradient clipping.
public struct FineTuneStep: Sendable {
    public var optimizer: Optimizer
    /// Learning rate of the head stage and classifier; blocks get lr · layerDecay^depth.
    public var lr: Float
    public var layerDecay: Float
    public var weightDecay: Float
    /// Maximum global L2 norm of all gradients (nil: no clipping). torch's `clip_grad_norm_` rule.
    public var clipNorm: Float?

    public init(optimizer: Optimizer, lr: Float, layerDecay: Float = 0.8, weightDecay: Float = 0, clipNorm: Float? = nil) {
        precondition(lr > 0 && layerDecay > 0 && weightDecay >= 0, "FineTuneStep: lr and layer decay must be positive, weight decay ≥ 0")
        self.optimizer = optimizer
        self.lr = lr
        self.layerDecay = layerDecay
        self.weightDecay = weightDecay
        self.clipNorm = clipNorm
    }

    /// Global L2 norm of every trainable gradient (summed in Double).
    public static func gradientNorm(_ model: some CheckpointableModel) -> Double {
        var s = 0.0
        if TrainingKernels.fused {
            for t in model.tensors where t.trainable { s += t.gradSquaredSum() }
            return s.squareRoot()
        }
        for t in model.tensors where t.trainable { for g in t.grad { s += Double(g) * Double(g) } }
        return s.squareRoot()
    }

    /// Clips, then updates every trainable tensor with rate `lr · lrFactor · scale` (1-based `step`).
    /// Returns the gradient norm before clipping.
    @discardableResult
    public func apply(to model: some CheckpointableModel, lrFactor: Float = 1, step: Int) -> Double {
        let norm = Self.gradientNorm(model)
        if let clipNorm {
            let coef = Double(clipNorm) / (norm + 1e-6)
            if coef < 1 {
                let c = Float(coef)
                for t in model.tensors where t.trainable { t.scaleGrad(c) }
            }
        }
        let groups = model.trainableGroups(layerDecay: layerDecay)
        let update = { (g: ArraySlice<(tensor: TrainableTensor, lrScale: Float)>) in
            for (t, scale) in g { t.update(optimizer: self.optimizer, lr: self.lr * lrFactor * scale, weightDecay: self.weightDecay, step: step) }
        }
        if TrainingKernels.fused && groups.count > 1 {
            // Tensors are independent: two halves of about equal size on the two cores (same numbers as in order).
            let total = groups.reduce(0) { $0 + $1.tensor.count }
            var half = 0, acc = 0
            while half < groups.count && acc * 2 < total { acc += groups[half].tensor.count; half += 1 }
            let parts = [groups[..<half], groups[half...]]
            DispatchQueue.concurrentPerform(iterations: 2) { update(parts[$0]) }
        } else {
            update(groups[...])
        }
        return norm
    }
}
