/// Backward of the erf GELU: d/dx [x·Φ(x)] = Φ(x) + x·φ(x), Φ the normal CDF, φ its density.
extension GELU {
    /// dx [count] = dy ⊙ gelu′(x); `dx` may be `dy` (in place). Needs the forward input x.
    public static func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, count: Int,
                                dx: UnsafeMutablePointer<Float>) {
        Lanes8.map(count: count, costPerElement: 10) { i, n in
            let v = Lanes8.load(x + i, count: n), g = Lanes8.load(dy + i, count: n)
            let pdf = 0.398_942_280_401_432_7 * VectorMath.exp(-0.5 * v * v)   // 1/√(2π) · e^(−x²/2)
            Lanes8.store(g * (VectorMath.normalCDF(v) + v * pdf), to: dx + i, count: n)
        }
    }
}
