import ThawCore

/// Inverted dropout on a [B, K·H] activation; head k draws its mask from its own generator,
/// so a stacked run and a separate run of the same head drop the same units.
public enum Dropout {
    /// Writes y = x·mask and the mask (0 or 1/(1−p)); one generator per head, rows in order.
    public static func forward(x: UnsafePointer<Float>, batch: Int, heads: Int, features h: Int, p: Float,
                               rngs: inout [SplitMix64], mask: UnsafeMutablePointer<Float>,
                               y: UnsafeMutablePointer<Float>) {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1)")
        precondition(rngs.count == heads, "dropout needs one generator per head")
        let keep = 1 / (1 - p)
        for k in 0..<heads {
            for r in 0..<batch {
                let base = r * heads * h + k * h
                for j in 0..<h {
                    let m: Float = rngs[k].nextUnitFloat() < p ? 0 : keep
                    mask[base + j] = m
                    y[base + j] = x[base + j] * m
                }
            }
        }
    }

    /// dx = dy·mask (dx may alias dy).
    public static func backward(dy: UnsafePointer<Float>, mask: UnsafePointer<Float>,
                                dx: UnsafeMutablePointer<Float>, count n: Int) {
        for i in 0..<n { dx[i] = dy[i] * mask[i] }
    }
}
