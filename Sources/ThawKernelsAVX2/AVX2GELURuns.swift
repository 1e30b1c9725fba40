/// GELU in short passes over a 1 KB scratch: the same per-lane arithmetic as `gelu`'s one chain (bit for bit), split
/// so each pass's loop body is a short chain or several independent chains in step.
///
/// Why: one 8-lane Φ is a chain of ≈ 35 dependent operations (a divide, erfc's 10-term polynomial, exp's 6-term one);
/// Zen 2's FP scheduler (≈ 36 entries) then holds about one iteration, so few iterations overlap and the loop runs at
/// the chain's latency (≈ 55 cycles a vector) instead of its instruction count. Here the two polynomials run four
/// vectors per iteration and the rest in per-vector passes of ≤ 8 dependent steps: ≈ 24 cycles a vector.
/// Pitfall: LLVM's register-pressure scheduling lays the four Horner chains one after the other in the instruction
/// stream anyway (see the disassembly); what pays is that every loop body is short, so several iterations overlap.
/// Runs of 8 vectors measured best (4: 1.5× slower; 16 needs > 1 KB of scratch, which the stack allocation checks).
extension AVX2Kernels {
    /// Whether `gelu` runs in passes (`geluInRuns`) instead of one chain per vector (`geluInOneChain`); same floats.
    nonisolated(unsafe) public static var geluInPasses = true

    /// Vectors per run: four scratch arrays of 8 vectors (1 KB, so the temporary allocation stays on the stack).
    static let geluRun = 8

    /// y = x · Φ(x) over `count` elements in runs of `geluRun` vectors; the last count % 8 through `geluInOneChain`.
    public static func geluInRuns(x: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>) {
        geluInRuns(rows: 1, count: count, c: y, ldc: count, from: x)
    }

    /// GELU in place over `rows` rows of `count` floats, row stride `ldc` (a block of the panel GEMM's output): one
    /// call and one scratch for all rows (calls of one 64-float row each cost ≈ 10% more per element).
    /// Follows `geluInPasses` like `gelu`.
    public static func geluInRows(_ c: UnsafeMutablePointer<Float>, rows: Int, count: Int, ldc: Int) {
        if geluInPasses {
            geluInRuns(rows: rows, count: count, c: c, ldc: ldc, from: UnsafePointer(c))
        } else {
            for row in 0..<rows { geluInOneChain(x: c + row * ldc, count: count, y: c + row * ldc) }
        }
    }

    /// c[i, j] = gelu(x[i, j]) for `rows` rows of `count`, both with row stride `ldc` (x may be c).
    @inline(__always)
    static func geluInRuns(rows: Int, count: Int, c: UnsafeMutablePointer<Float>, ldc: Int, from x: UnsafePointer<Float>) {
        let vectors = count / 8, done = vectors * 8
        withUnsafeTemporaryAllocation(of: F8.self, capacity: 4 * 8) { buffer in
            let s = buffer.baseAddress!
            // t = 1/(1 + z/2); zz = z² then erfc's exponent p(t) − z²; r then e^r's polynomial part; exp's 2ⁿ (or 0).
            let tS = s, aS = s + 8, rS = s + 16, nS = s + 24
            for row in 0..<rows {
                let xr = x + row * ldc, y = c + row * ldc
                var v = 0
                while v < vectors {
                    let n = min(geluRun, vectors - v), padded = (n + 3) & ~3
                    let xv = xr + 8 * v, yv = y + 8 * v
                    geluReciprocals(xv, n: n, padded: padded, t: tS, zz: aS)
                    geluErfcExponents(padded: padded, t: tS, a: aS)
                    geluExpReductions(padded: padded, a: aS, r: rS, scale: nS)
                    geluExpPolynomials(padded: padded, r: rS)
                    geluFinish(xv, n: n, t: tS, er: rS, scale: nS, y: yv)
                    v += n
                }
                if done < count { geluInOneChain(x: xr + done, count: count - done, y: y + done) }
            }
        }
    }

    /// Pass 1, per vector: z = |x|·√½, t = 1/(1 + 0.5·z), zz = z·z; vectors n..<padded get t = 1, zz = 0 (finite filler).
    @inline(__always)
    static func geluReciprocals(_ x: UnsafePointer<Float>, n: Int, padded: Int, t: UnsafeMutablePointer<F8>,
                                zz: UnsafeMutablePointer<F8>) {
        for j in 0..<n {
            let z = normalCDFArgument(load(x + 8 * j))
            t[j] = erfcReciprocal(z)
            zz[j] = z * z
        }
        for j in n..<padded { t[j] = F8(repeating: 1); zz[j] = F8() }
    }

    /// Pass 2, four vectors in step: a = erfc's polynomial in t − zz (in place over zz).
    @inline(__always)
    static func geluErfcExponents(padded: Int, t: UnsafeMutablePointer<F8>, a: UnsafeMutablePointer<F8>) {
        var j = 0
        while j < padded {
            let t0 = t[j], t1 = t[j + 1], t2 = t[j + 2], t3 = t[j + 3]
            var p0 = F8(repeating: erfcCoefficients.0), p1 = p0, p2 = p0, p3 = p0
            func step(_ c: Float) { p0 = fma(p0, t0, c); p1 = fma(p1, t1, c); p2 = fma(p2, t2, c); p3 = fma(p3, t3, c) }
            step(erfcCoefficients.1); step(erfcCoefficients.2); step(erfcCoefficients.3); step(erfcCoefficients.4)
            step(erfcCoefficients.5); step(erfcCoefficients.6); step(erfcCoefficients.7); step(erfcCoefficients.8)
            step(erfcCoefficients.9)
            a[j] = p0 - a[j]; a[j + 1] = p1 - a[j + 1]; a[j + 2] = p2 - a[j + 2]; a[j + 3] = p3 - a[j + 3]
            j += 4
        }
    }

    /// Pass 3, per vector: exp's argument reduction of a: r, and 2ⁿ (0 below exp's range, `expMaskedScale`).
    @inline(__always)
    static func geluExpReductions(padded: Int, a: UnsafeMutablePointer<F8>, r: UnsafeMutablePointer<F8>,
                                  scale: UnsafeMutablePointer<F8>) {
        for j in 0..<padded {
            let argument = a[j], reduced = expReduction(expClamped(argument))
            r[j] = reduced.r
            scale[j] = expMaskedScale(shifted: reduced.shifted, argument: argument)
        }
    }

    /// Pass 4, four vectors in step: e^r on the reduced range (in place over r).
    @inline(__always)
    static func geluExpPolynomials(padded: Int, r: UnsafeMutablePointer<F8>) {
        var j = 0
        while j < padded {
            let r0 = r[j], r1 = r[j + 1], r2 = r[j + 2], r3 = r[j + 3]
            var p0 = F8(repeating: expCoefficients.0), p1 = p0, p2 = p0, p3 = p0
            func step(_ c: Float) { p0 = fma(p0, r0, c); p1 = fma(p1, r1, c); p2 = fma(p2, r2, c); p3 = fma(p3, r3, c) }
            step(expCoefficients.1); step(expCoefficients.2); step(expCoefficients.3); step(expCoefficients.4)
            step(expCoefficients.5)
            r[j] = expPolynomialEnd(r0, p0); r[j + 1] = expPolynomialEnd(r1, p1)
            r[j + 2] = expPolynomialEnd(r2, p2); r[j + 3] = expPolynomialEnd(r3, p3)
            j += 4
        }
    }

    /// Pass 5, per vector: exp = e^r · 2ⁿ (0 below exp's range), erfc = t · exp, Φ, y = x · Φ.
    @inline(__always)
    static func geluFinish(_ x: UnsafePointer<Float>, n: Int, t: UnsafeMutablePointer<F8>, er: UnsafeMutablePointer<F8>,
                           scale: UnsafeMutablePointer<F8>, y: UnsafeMutablePointer<Float>) {
        for j in 0..<n {
            let e = er[j] * scale[j]
            let v = load(x + 8 * j)
            store(v * normalCDF(v, erfc: t[j] * e), y + 8 * j)
        }
    }
}
