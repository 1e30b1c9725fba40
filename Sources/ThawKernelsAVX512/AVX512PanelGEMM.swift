extension AVX512Kernels {
    /// Columns per packed weight panel: four zmm registers.
    public static let panelWidth = 64
    /// The bias of layers without one (never written).
    nonisolated(unsafe) static let panelZeros: UnsafeMutablePointer<Float> = {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        p.initialize(repeating: 0, count: 64)
        return p
    }()

    /// C = clamp(A · B + bias + residual, low, high) for `rows` rows over the 64-column panels `panels`
    /// of a weight packed once at load (`packed` [N/64][K][64]: panel p holds columns 64p…64p+63 of
    /// B [K, N], row k contiguous), so no packing per call: A is read in place (an NHWC map, lda = Cin,
    /// or im2col rows) and broadcast one value at a time.
    ///
    /// Blocks of 6 rows × 64 columns keep 24 accumulators in registers over the whole K, then the
    /// epilogue adds bias (and the residual) and clamps before the only store of C; leftover rows run
    /// as one block of 4 and then one at a time (a single row is bound by its four loads per k). Panel-major: a panel (K·64 floats) stays in L2 while the row blocks pass.
    ///
    /// - c, bias, residual: column 0 of the whole output ([rows, ldc], [N], [rows, ldr]); bias/residual may be nil.
    ///
    /// - kBlock: with K > kBlock, each 6/4/1-row block sums K in passes of kBlock from zero, the first pass
    ///   stored with bias and residual, each next one added to the stored rows (still in L1):
    ///   C = ((Σ₀ + bias) + residual) + Σ₁ + Σ₂ + … — shorter running sums, a smaller rounding error
    ///   (`PanelLinear.kBlock`). Needs no clamp (low −∞, high +∞). Default: one pass.
    public static func panelGEMM(rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>,
                                 panels: Range<Int>, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                                 residual: UnsafePointer<Float>?, ldr: Int, low: Float, high: Float, kBlock: Int = .max) {
        precondition(kBlock > 0 && (k <= kBlock || (low == -.infinity && high == .infinity)),
                     "panelGEMM: kBlock \(kBlock) must be positive, and K passes take no clamp")
        let first = min(k, kBlock), zeros = UnsafePointer(panelZeros)
        do {
            for p in panels {
                let b = packed + p * k * panelWidth, col = p * panelWidth
                let bp = bias.map { $0 + col } ?? zeros
                var r = 0
                while r + 6 <= rows {
                    let ar = a + r * lda, out = c + r * ldc + col
                    block6(ar, lda, b, first, out, ldc, bp, residual.map { $0 + r * ldr + col }, ldr, low, high)
                    var k0 = kBlock
                    while k0 < k {      // the next passes onto C
                        block6(ar + k0, lda, b + k0 * panelWidth, min(kBlock, k - k0), out, ldc, zeros, UnsafePointer(out), ldc, low, high)
                        k0 += kBlock
                    }
                    r += 6
                }
                if r + 4 <= rows {
                    let ar = a + r * lda, out = c + r * ldc + col
                    block4(ar, lda, b, first, out, ldc, bp, residual.map { $0 + r * ldr + col }, ldr, low, high)
                    var k0 = kBlock
                    while k0 < k {
                        block4(ar + k0, lda, b + k0 * panelWidth, min(kBlock, k - k0), out, ldc, zeros, UnsafePointer(out), ldc, low, high)
                        k0 += kBlock
                    }
                    r += 4
                }
                while r < rows {
                    let ar = a + r * lda, out = c + r * ldc + col
                    block1(ar, b, first, out, bp, residual.map { $0 + r * ldr + col }, low, high)
                    var k0 = kBlock
                    while k0 < k {
                        block1(ar + k0, b + k0 * panelWidth, min(kBlock, k - k0), out, zeros, UnsafePointer(out), low, high)
                        k0 += kBlock
                    }
                    r += 1
                }
            }
        }
    }

    /// out[0..<64] = clamp(acc + bias (+ skip), low, high) for one row (the clamp as a plain loop over the
    /// stored row: vmaxps/vminps while it is in L1).
    @inline(__always)
    static func panelFinish(_ v0: F16, _ v1: F16, _ v2: F16, _ v3: F16, _ out: UnsafeMutablePointer<Float>,
                               _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float) {
        var w0 = v0 + load(bias), w1 = v1 + load(bias + 16), w2 = v2 + load(bias + 32), w3 = v3 + load(bias + 48)
        if let skip {
            w0 += load(skip); w1 += load(skip + 16); w2 += load(skip + 32); w3 += load(skip + 48)
        }
        store(w0, out); store(w1, out + 16); store(w2, out + 32); store(w3, out + 48)
        clamp(out, count: 64, low, high)
    }

    @inline(__always)
    private static func block6(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ k: Int,
                               _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>,
                               _ skip: UnsafePointer<Float>?, _ ldr: Int, _ low: Float, _ high: Float) {
        var c00 = F16(), c01 = F16(), c02 = F16(), c03 = F16()
        var c10 = F16(), c11 = F16(), c12 = F16(), c13 = F16()
        var c20 = F16(), c21 = F16(), c22 = F16(), c23 = F16()
        var c30 = F16(), c31 = F16(), c32 = F16(), c33 = F16()
        var c40 = F16(), c41 = F16(), c42 = F16(), c43 = F16()
        var c50 = F16(), c51 = F16(), c52 = F16(), c53 = F16()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
        var bp = b
        for i in 0..<k {
            let b0 = load(bp), b1 = load(bp + 16), b2 = load(bp + 32), b3 = load(bp + 48)
            var x = F16(repeating: a0[i])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1); c02 = c02.addingProduct(x, b2); c03 = c03.addingProduct(x, b3)
            x = F16(repeating: a1[i])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1); c12 = c12.addingProduct(x, b2); c13 = c13.addingProduct(x, b3)
            x = F16(repeating: a2[i])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1); c22 = c22.addingProduct(x, b2); c23 = c23.addingProduct(x, b3)
            x = F16(repeating: a3[i])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1); c32 = c32.addingProduct(x, b2); c33 = c33.addingProduct(x, b3)
            x = F16(repeating: a4[i])
            c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1); c42 = c42.addingProduct(x, b2); c43 = c43.addingProduct(x, b3)
            x = F16(repeating: a5[i])
            c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1); c52 = c52.addingProduct(x, b2); c53 = c53.addingProduct(x, b3)
            bp += 64
        }
        panelFinish(c00, c01, c02, c03, c, bias, skip, low, high)
        panelFinish(c10, c11, c12, c13, c + ldc, bias, skip.map { $0 + ldr }, low, high)
        panelFinish(c20, c21, c22, c23, c + 2 * ldc, bias, skip.map { $0 + 2 * ldr }, low, high)
        panelFinish(c30, c31, c32, c33, c + 3 * ldc, bias, skip.map { $0 + 3 * ldr }, low, high)
        panelFinish(c40, c41, c42, c43, c + 4 * ldc, bias, skip.map { $0 + 4 * ldr }, low, high)
        panelFinish(c50, c51, c52, c53, c + 5 * ldc, bias, skip.map { $0 + 5 * ldr }, low, high)
    }

    @inline(__always)
    private static func block4(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ k: Int,
                               _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>,
                               _ skip: UnsafePointer<Float>?, _ ldr: Int, _ low: Float, _ high: Float) {
        var c00 = F16(), c01 = F16(), c02 = F16(), c03 = F16()
        var c10 = F16(), c11 = F16(), c12 = F16(), c13 = F16()
        var c20 = F16(), c21 = F16(), c22 = F16(), c23 = F16()
        var c30 = F16(), c31 = F16(), c32 = F16(), c33 = F16()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
        var bp = b
        for i in 0..<k {
            let b0 = load(bp), b1 = load(bp + 16), b2 = load(bp + 32), b3 = load(bp + 48)
            var x = F16(repeating: a0[i])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1); c02 = c02.addingProduct(x, b2); c03 = c03.addingProduct(x, b3)
            x = F16(repeating: a1[i])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1); c12 = c12.addingProduct(x, b2); c13 = c13.addingProduct(x, b3)
            x = F16(repeating: a2[i])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1); c22 = c22.addingProduct(x, b2); c23 = c23.addingProduct(x, b3)
            x = F16(repeating: a3[i])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1); c32 = c32.addingProduct(x, b2); c33 = c33.addingProduct(x, b3)
            bp += 64
        }
        panelFinish(c00, c01, c02, c03, c, bias, skip, low, high)
        panelFinish(c10, c11, c12, c13, c + ldc, bias, skip.map { $0 + ldr }, low, high)
        panelFinish(c20, c21, c22, c23, c + 2 * ldc, bias, skip.map { $0 + 2 * ldr }, low, high)
        panelFinish(c30, c31, c32, c33, c + 3 * ldc, bias, skip.map { $0 + 3 * ldr }, low, high)
    }

    @inline(__always)
    private static func block1(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ k: Int,
                               _ c: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?,
                               _ low: Float, _ high: Float) {
        var c0 = F16(), c1 = F16(), c2 = F16(), c3 = F16()
        var bp = b
        for i in 0..<k {
            let x = F16(repeating: a[i])
            c0 = c0.addingProduct(x, load(bp)); c1 = c1.addingProduct(x, load(bp + 16))
            c2 = c2.addingProduct(x, load(bp + 32)); c3 = c3.addingProduct(x, load(bp + 48))
            bp += 64
        }
        panelFinish(c0, c1, c2, c3, c, bias, skip, low, high)
    }
}
