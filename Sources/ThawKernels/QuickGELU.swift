/// QuickGELU, OpenAI CLIP's activation: x · σ(1.702 · x) = x / (1 + e^(−1.702·x)).
/// Not GELU: the two differ by up to ~0.02 near x = ±2, so a CLIP checkpoint needs this one.
/// Eight lanes at a time through `VectorMath.exp` (e^x saturates above 88, so σ → 0 cleanly for
/// very negative x and the product stays finite).
public enum QuickGELU {
    /// y = quickGELU(x) over `count` elements; y may be x (in place).
    public static func forward(x: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>) {
        Lanes8.blocks(count: count, costPerElement: 6) { lo, hi in
            var i = lo
            while i + 8 <= hi {
                let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(y + i).storeBytes(of: v / (1 + VectorMath.exp(-1.702 * v)), as: SIMD8<Float>.self)
                i += 8
            }
            if i < hi {
                let v = Lanes8.load(x + i, count: hi - i)
                Lanes8.store(v / (1 + VectorMath.exp(-1.702 * v)), to: y + i, count: hi - i)
            }
        }
    }
}
