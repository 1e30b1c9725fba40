import Foundation

/// Softmax cross-entropy of K heads' logits [B, K·C] against shared labels, with label
/// smoothing and class weights, normalised like torch's `reduction="mean"`:
///
///   loss = Σ_i w_{y_i}·[(1−ε)(−log p_{i,y_i}) + (ε/C)·Σ_c(−log p_{i,c})] / Σ_i w_{y_i}
///
/// Equals `torch.nn.CrossEntropyLoss(weight:, label_smoothing:)` whenever ε = 0 or there are no class
/// weights (torch weighs the smoothing term per class c, not per sample, when both are set).
public enum SoftmaxCrossEntropy {
    /// Writes each head's mean loss into `losses[K]` and, when `dlogits` is given, d(loss_k)/d(logits)
    /// into dlogits [B, K·C] (overwrites). Labels must be in 0..<C (checked by the caller's data loader).
    public static func forward(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int,
                               heads: Int, classes c: Int, smoothing eps: Float = 0,
                               classWeights: UnsafePointer<Float>? = nil,
                               losses: UnsafeMutablePointer<Double>,
                               dlogits: UnsafeMutablePointer<Float>?) {
        let kc = heads * c
        var norm: Double = 0
        for r in 0..<batch { norm += Double(classWeights?[Int(labels[r])] ?? 1) }
        let invNorm = norm > 0 ? 1 / norm : 0
        let onTarget = 1 - eps
        let spread = eps / Float(c)
        // Rows are independent: split them over the cores, each chunk summing its own per-head losses.
        let chunks = batch * kc >= 16_384 ? min(4, batch) : 1
        withUnsafeTemporaryAllocation(of: Double.self, capacity: chunks * heads) { part in
            part.initialize(repeating: 0)
            let partial = part.baseAddress!
            let work = { (ch: Int) in
                let acc = partial + ch * heads
                for r in (batch * ch / chunks)..<(batch * (ch + 1) / chunks) {
                    let y = Int(labels[r])
                    let w = classWeights?[y] ?? 1
                    let scale = Float(Double(w) * invNorm)
                    for k in 0..<heads {
                        let z = logits + r * kc + k * c
                        var mx = z[0]
                        for j in 1..<c { mx = max(mx, z[j]) }
                        // One exp per logit: e_j = exp(z_j − max) is kept in dlogits and reused for p_j = e_j / Σe.
                        var s: Float = 0
                        if let d = dlogits {
                            let e = d + r * kc + k * c
                            for j in 0..<c { let v = expf(z[j] - mx); e[j] = v; s += v }
                        } else {
                            for j in 0..<c { s += expf(z[j] - mx) }
                        }
                        let lse = mx + logf(s)
                        var li = Double(onTarget) * Double(lse - z[y])
                        if eps > 0 {
                            var sumNeg: Double = 0
                            for j in 0..<c { sumNeg += Double(lse - z[j]) }
                            li += Double(spread) * sumNeg
                        }
                        acc[k] += Double(w) * li
                        if let d = dlogits {
                            let dz = d + r * kc + k * c
                            let invS = 1 / s
                            for j in 0..<c { dz[j] = scale * (dz[j] * invS - spread) }
                            dz[y] -= scale * onTarget
                        }
                    }
                }
            }
            if chunks == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: chunks, execute: work) }
            for k in 0..<heads {
                var total = 0.0
                for ch in 0..<chunks { total += partial[ch * heads + k] }
                losses[k] = total * invNorm
            }
        }
    }
}
