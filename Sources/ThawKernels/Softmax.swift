import ThawKernelsAVX2

/// Row-wise softmax, stable: exp(x − max) / Σ exp(x − max).
/// Rows that are entirely −∞ would divide 0 by 0; mask with a large finite negative instead
/// (as `Attention` does). Backward needs only the output y.
public enum Softmax {
    /// Whether the AVX2 build takes a row's exponentials in two passes over a small scratch
    /// (`AVX2Kernels.softmaxExponentialsInRuns`) instead of one dependent chain per vector; the same floats either way.
    public static var avx2InPasses: Bool {
        get { AVX2Kernels.softmaxInPasses }
        set { AVX2Kernels.softmaxInPasses = newValue }
    }

    /// In place on x: [rows, columns].
    public static func forward(_ x: UnsafeMutablePointer<Float>, rows: Int, columns n: Int) {
        precondition(n > 0, "Softmax: columns must be positive")
        TransformerRows.forEach(rows: rows, costPerRow: 4 * n) { range in
            for r in range {
                row(x + r * n, count: n)
            }
        }
    }

    /// One row in place; used inside kernels that already run on all cores. Eight lanes at a time.
    /// With `bias` [count], the row becomes softmax(x + bias) (an additive attention mask).
    /// Runs the AVX2+FMA build of the same code when the CPU has it (`VectorISA`).
    @inline(__always)
    static func row(_ xr: UnsafeMutablePointer<Float>, count n: Int, adding bias: UnsafePointer<Float>? = nil) {
        if VectorISA.avx2FMA {
            AVX2Kernels.softmaxRow(xr, count: n, adding: bias)
            return
        }
        typealias F8 = SIMD8<Float>
        // Pass 1: add the bias, find the maximum.
        var m8 = F8(repeating: -.greatestFiniteMagnitude)
        var i = 0
        while i + 8 <= n {
            var v = UnsafeRawPointer(xr + i).loadUnaligned(as: F8.self)
            if let bias {
                v += UnsafeRawPointer(bias + i).loadUnaligned(as: F8.self)
                UnsafeMutableRawPointer(xr + i).storeBytes(of: v, as: F8.self)
            }
            m8 = m8.replacing(with: v, where: v .> m8)
            i += 8
        }
        var m = m8.max()
        while i < n {
            if let bias { xr[i] += bias[i] }
            if xr[i] > m { m = xr[i] }
            i += 1
        }
        // Pass 2: e = exp(x − max), summed.
        var sum8 = F8()
        i = 0
        while i + 8 <= n {
            let e = VectorMath.exp(UnsafeRawPointer(xr + i).loadUnaligned(as: F8.self) - m)
            UnsafeMutableRawPointer(xr + i).storeBytes(of: e, as: F8.self)
            sum8 += e
            i += 8
        }
        if i < n {
            // Lanes past the row end load as 0 and are never stored: mask them out of the sum.
            var e = VectorMath.exp(Lanes8.load(xr + i, count: n - i) - m)
            for j in (n - i)..<8 { e[j] = 0 }
            Lanes8.store(e, to: xr + i, count: n - i)
            sum8 += e
        }
        // Pass 3: normalise.
        let inv = 1 / sum8.sum()
        i = 0
        while i + 8 <= n {
            let p = UnsafeMutableRawPointer(xr + i)
            p.storeBytes(of: p.loadUnaligned(as: F8.self) * inv, as: F8.self)
            i += 8
        }
        while i < n { xr[i] *= inv; i += 1 }
    }
}
