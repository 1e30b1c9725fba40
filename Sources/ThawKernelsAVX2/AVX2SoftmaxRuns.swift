/// Softmax's exponentials in two passes over runs of 16 vectors (a 512-byte scratch): exp's argument reduction, then its
/// polynomial, scaling and the running sum — the same operations per lane as `softmaxExponentialsInOneChain`, so the
/// same floats, but each pass a short chain so more vectors are in flight (see `geluInRuns` for why that matters).
extension AVX2Kernels {
    /// Whether softmax rows take their exponentials in passes (`softmaxExponentialsInRuns`); same floats.
    nonisolated(unsafe) public static var softmaxInPasses = true

    /// xr[i] = exp(xr[i] − m) over the whole vectors of the row; returns their sum in `softmaxExponentialsInOneChain`'s
    /// order (per lane in vector order, then across the lanes).
    @inline(__always)
    static func softmaxExponentialsInRuns(_ xr: UnsafeMutablePointer<Float>, count n: Int, minus m: Float) -> Float {
        let vectors = n / 8
        let mv = F8(repeating: m)
        var sum8 = F8()
        withUnsafeTemporaryAllocation(of: F8.self, capacity: 16) { buffer in
            // exp's 2ⁿ, 0 below its range (`expMaskedScale`); r goes to the row itself.
            let scale = buffer.baseAddress!
            var v = 0
            while v < vectors {
                let k = min(16, vectors - v), row = xr + 8 * v
                for j in 0..<k {
                    let a = load(row + 8 * j) - mv
                    let reduced = expReduction(expClamped(a))
                    scale[j] = expMaskedScale(shifted: reduced.shifted, argument: a)
                    store(reduced.r, row + 8 * j)
                }
                for j in 0..<k {
                    let r = load(row + 8 * j)
                    var p = F8(repeating: expCoefficients.0)
                    p = fma(p, r, expCoefficients.1)
                    p = fma(p, r, expCoefficients.2)
                    p = fma(p, r, expCoefficients.3)
                    p = fma(p, r, expCoefficients.4)
                    p = fma(p, r, expCoefficients.5)
                    let e = expPolynomialEnd(r, p) * scale[j]
                    store(e, row + 8 * j)
                    sum8 += e
                }
                v += k
            }
        }
        return sum8.sum()
    }
}
