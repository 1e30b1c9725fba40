/// Backward of QuickGELU: d/dx [x·σ(a·x)] = σ(a·x) + a·x·σ(a·x)·(1 − σ(a·x)), a = 1.702.
extension QuickGELU {
    /// dx [count] = dy ⊙ quickGELU′(x); `dx` may be `dy` (in place). Needs the forward input x.
    /// For very negative x, e^(−a·x) saturates (σ → 0) and the product stays finite, as in `forward`.
    public static func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, count: Int,
                                dx: UnsafeMutablePointer<Float>) {
        Lanes8.map(count: count, costPerElement: 8) { i, n in
            let v = Lanes8.load(x + i, count: n), g = Lanes8.load(dy + i, count: n)
            let s = 1 / (1 + VectorMath.exp(-1.702 * v))
            Lanes8.store(g * (s + 1.702 * v * s * (1 - s)), to: dx + i, count: n)
        }
    }
}
