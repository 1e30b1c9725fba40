import Foundation

extension FineTuneStep {
    /// Global L2 norm of every gradient of a `BertFineTuneModel` (summed in Double).
    public static func gradientNorm(_ model: BertFineTuneModel) -> Double {
        var s = 0.0
        for t in model.tensors { for g in t.grad { s += Double(g) * Double(g) } }
        return s.squareRoot()
    }

    /// Clips, then updates every tensor of a BERT fine-tuning model with rate
    /// `lr · lrFactor · layerDecay^d` (1-based `step`), as `apply(to: FineTuneModel)`.
    /// Returns the gradient norm before clipping.
    @discardableResult
    public func apply(to model: BertFineTuneModel, lrFactor: Float = 1, step: Int) -> Double {
        let norm = Self.gradientNorm(model)
        if let clipNorm {
            let coef = Double(clipNorm) / (norm + 1e-6)
            if coef < 1 {
                let c = Float(coef)
                for t in model.tensors { for i in t.grad.indices { t.grad[i] *= c } }
            }
        }
        for (t, scale) in model.trainableGroups(layerDecay: layerDecay) {
            t.update(optimizer: optimizer, lr: lr * lrFactor * scale, weightDecay: weightDecay, step: step)
        }
        return norm
    }
}
