import Foundation
import ThawKernels

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
    /// `parallel: false` keeps the work on the calling thread (callers that already use every core).
    public static func forward(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int,
                               heads: Int, classes c: Int, smoothing eps: Float = 0,
                               classWeights: UnsafePointer<Float>? = nil,
                               losses: UnsafeMutablePointer<Double>,
                               dlogits: UnsafeMutablePointer<Float>?, parallel: Bool = true) {
        let kc = heads * c
        var norm: Double = 0
        for r in 0..<batch { norm += Double(classWeights?[Int(labels[r])] ?? 1) }
        let invNorm = norm > 0 ? 1 / norm : 0
        let onTarget = 1 - eps
        let spread = eps / Float(c)
        // Rows are independent: split them over the cores, each chunk summing its own per-head losses.
        let chunks = parallel && batch * kc >= 16_384 ? min(4, batch) : 1
        withUnsafeTemporaryAllocation(of: Double.self, capacity: chunks * heads) { part in
            part.initialize(repeating: 0)
            let partial = part.baseAddress!
            // (1−ε)·(−log p_y) + (ε/C)·Σ_c(−log p_c) of one head's logits z[C], given log Σ exp z.
            let loss = { (z: UnsafePointer<Float>, lse: Float, y: Int) -> Double in
                var li = Double(onTarget) * Double(lse - z[y])
                if eps > 0 {
                    var sumNeg: Double = 0
                    for j in 0..<c { sumNeg += Double(lse - z[j]) }
                    li += Double(spread) * sumNeg
                }
                return li
            }
            let work = { (ch: Int) in
                let acc = partial + ch * heads
                for r in (batch * ch / chunks)..<(batch * (ch + 1) / chunks) {
                    let y = Int(labels[r])
                    let w = classWeights?[y] ?? 1
                    let scale = Float(Double(w) * invNorm)
                    let zr = logits + r * kc
                    if let d = dlogits {
                        // e = exp(z − max of its head), 8 lanes at a time over the whole row, kept in
                        // dlogits and reused for p = e / Σe: one exp per logit, none of them scalar.
                        let er = d + r * kc
                        for k in 0..<heads {
                            let z = zr + k * c, e = er + k * c
                            var mx = z[0]
                            for j in 1..<c { mx = max(mx, z[j]) }
                            for j in 0..<c { e[j] = z[j] - mx }
                        }
                        var i = 0
                        while i < kc {
                            let lanes = min(8, kc - i)
                            Lanes8.store(VectorMath.exp(Lanes8.load(er + i, count: lanes)), to: er + i, count: lanes)
                            i += 8
                        }
                        for k in 0..<heads {
                            let z = zr + k * c, dz = er + k * c
                            var s: Float = 0
                            for j in 0..<c { s += dz[j] }
                            var mx = z[0]
                            for j in 1..<c { mx = max(mx, z[j]) }
                            let lse = mx + logf(s)
                            acc[k] += Double(w) * loss(z, lse, y)
                            let invS = 1 / s
                            for j in 0..<c { dz[j] = scale * (dz[j] * invS - spread) }
                            dz[y] -= scale * onTarget
                        }
                    } else {
                        for k in 0..<heads {
                            let z = zr + k * c
                            var mx = z[0]
                            for j in 1..<c { mx = max(mx, z[j]) }
                            var s: Float = 0
                            for j in 0..<c { s += expf(z[j] - mx) }
                            acc[k] += Double(w) * loss(z, mx + logf(s), y)
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
