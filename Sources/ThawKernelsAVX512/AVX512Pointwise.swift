extension AVX512Kernels {
    /// Columns per packed weight panel: two zmm registers.
    public static let pointwisePanelWidth = 32

    /// y[r, j] = clamp(Σ_k a[r, k]·w[k, j] + bias[j] (+ residual[r, j]), low, high) for rows 0..<rows and the
    /// columns of panels `panels` — a 1×1 convolution over NHWC rows with its epilogue fused, weights packed
    /// once at load time (no per-call packing, unlike a BLAS sgemm):
    ///   a        [rows, lda ≥ k]
    ///   packed   [P][k][32]  (panel p holds columns 32p..<32p+32, zeros past n)
    ///   bias     [P·32]      (zeros past n, and for a layer without bias)
    ///   residual [rows, ldr] or nil; y [rows, ldy], columns ≥ n never written.
    /// Tiles of 8 rows × 32 columns: 16 accumulators, per k two weight loads and eight broadcasts.
    /// Each output is one dot product over k in order, then + bias, then + residual (the BLAS path's order
    /// of the epilogue; the dot product's summation order differs from OpenBLAS's, float rounding only).
    public static func pointwiseRows(a: UnsafePointer<Float>, lda: Int, rows: Int, k: Int,
                                     packed: UnsafePointer<Float>, n: Int, panels: Range<Int>, bias: UnsafePointer<Float>,
                                     residual: UnsafePointer<Float>?, ldr: Int, low: Float, high: Float,
                                     y: UnsafeMutablePointer<Float>, ldy: Int) {
        for p in panels {
            let w = packed + p * k * 32
            let col = p * 32, valid = min(32, n - col)
            var r = 0
            while r < rows {
                let count = min(8, rows - r)
                let (ar, br, rr, yr) = (a + r * lda, bias + col, residual.map { $0 + r * ldr + col }, y + r * ldy + col)
                if narrowTiles && (valid <= 8 || (valid > 16 && valid <= 24)) {   // AVX512PointwiseNarrowTiles.swift
                    tile8x24(wide: valid > 16, a: ar, lda: lda, count: count, k: k, w: w, bias: br, residual: rr, ldr: ldr,
                             valid: valid, low: low, high: high, y: yr, ldy: ldy)
                } else if shortTiles && count <= 4 {                              // AVX512PointwiseShortTiles.swift
                    tile4x32(wide: valid > 16, a: ar, lda: lda, count: count, k: k, w: w, bias: br, residual: rr, ldr: ldr,
                             valid: valid, low: low, high: high, y: yr, ldy: ldy)
                } else if valid <= 16 {
                    tile8x16(a: ar, lda: lda, count: count, k: k, w: w, bias: br, residual: rr, ldr: ldr, valid: valid,
                             low: low, high: high, y: yr, ldy: ldy)
                } else {
                    tile8x32(a: ar, lda: lda, count: count, k: k, w: w, bias: br, residual: rr, ldr: ldr, valid: valid,
                             low: low, high: high, y: yr, ldy: ldy)
                }
                r += count
            }
        }
    }

    /// One tile: `count` ≤ 8 rows × `valid` ≤ 32 columns. Rows past `count` repeat the last row (computed,
    /// never stored), so the inner loop has one shape.
    @inline(__always)
    static func tile8x32(a: UnsafePointer<Float>, lda: Int, count: Int, k: Int, w: UnsafePointer<Float>,
                         bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?, ldr: Int, valid: Int,
                         low: Float, high: Float, y: UnsafeMutablePointer<Float>, ldy: Int) {
        let last = count - 1
        let a0 = a, a1 = a + min(1, last) * lda, a2 = a + min(2, last) * lda, a3 = a + min(3, last) * lda
        let a4 = a + min(4, last) * lda, a5 = a + min(5, last) * lda, a6 = a + min(6, last) * lda, a7 = a + min(7, last) * lda
        var c00 = F16(), c01 = F16(), c10 = F16(), c11 = F16(), c20 = F16(), c21 = F16(), c30 = F16(), c31 = F16()
        var c40 = F16(), c41 = F16(), c50 = F16(), c51 = F16(), c60 = F16(), c61 = F16(), c70 = F16(), c71 = F16()
        var wp = w
        for i in 0..<k {
            let b0 = load(wp), b1 = load(wp + 16)
            var x = F16(repeating: a0[i]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = F16(repeating: a1[i]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = F16(repeating: a2[i]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = F16(repeating: a3[i]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = F16(repeating: a4[i]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = F16(repeating: a5[i]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            x = F16(repeating: a6[i]); c60 = c60.addingProduct(x, b0); c61 = c61.addingProduct(x, b1)
            x = F16(repeating: a7[i]); c70 = c70.addingProduct(x, b0); c71 = c71.addingProduct(x, b1)
            wp += 32
        }
        let bias0 = load(bias), bias1 = load(bias + 16)
        // Rows through a static inlined helper: a local `finish` function was compiled as a call per row (SIMD16
        // arguments passed as four xmm registers each, the other accumulators spilled around it).
        finishTileRow(0, count, c00 + bias0, c01 + bias1, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(1, count, c10 + bias0, c11 + bias1, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(2, count, c20 + bias0, c21 + bias1, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(3, count, c30 + bias0, c31 + bias1, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(4, count, c40 + bias0, c41 + bias1, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(5, count, c50 + bias0, c51 + bias1, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(6, count, c60 + bias0, c61 + bias1, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(7, count, c70 + bias0, c71 + bias1, residual, ldr, valid, low, high, y, ldy)
    }

    /// Row r of a tile (bias added) when r < count: `finishRow` at y + r·ldy with the residual's row r.
    @_transparent                                    // mandatory: @inline(__always) still left a call per row
    static func finishTileRow(_ r: Int, _ count: Int, _ v0: F16, _ v1: F16, _ residual: UnsafePointer<Float>?, _ ldr: Int,
                              _ valid: Int, _ low: Float, _ high: Float, _ y: UnsafeMutablePointer<Float>, _ ldy: Int) {
        guard r < count else { return }
        finishRow(v0, v1, residual: residual.map { $0 + r * ldr }, valid: valid, low: low, high: high, out: y + r * ldy)
    }

    /// Stores one finished row of a tile: v0, v1 (bias added) + residual, clamped, `valid` ≤ 32 columns.
    /// Whole vectors go straight out; only a partial one passes through a stack row (nothing past `valid`
    /// is read or written).
    @_transparent                                    // as finishTileRow: a call per row otherwise
    static func finishRow(_ v0: F16, _ v1: F16, residual: UnsafePointer<Float>?, valid: Int, low: Float, high: Float,
                          out: UnsafeMutablePointer<Float>) {
        if valid >= 16 {
            var a = v0
            if let residual { a += load(residual) }
            store(a, out)
            if valid == 32 {
                var b = v1
                if let residual { b += load(residual + 16) }
                store(b, out + 16)
            } else if valid > 16 {
                partialRow(v1, residual: residual.map { $0 + 16 }, count: valid - 16, out: out + 16)
            }
        } else {
            partialRow(v0, residual: residual, count: valid, out: out)
        }
        clamp(out, count: valid, low, high)
    }

    /// The first `count` < 16 lanes of v (+ residual) to out.
    @inline(__always)
    static func partialRow(_ v: F16, residual: UnsafePointer<Float>?, count: Int, out: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { tmp in
            let t = tmp.baseAddress!
            store(v, t)
            if let residual { for j in 0..<count { t[j] += residual[j] } }
            for j in 0..<count { out[j] = t[j] }
        }
    }

    /// `tile8x32` for a last panel with ≤ 16 valid columns (N = 16, 24, 40, …): one weight vector per k, half
    /// the multiply-adds. The panel's layout stays [k][32]; its upper 16 columns are zeros and never read.
    @inline(__always)
    static func tile8x16(a: UnsafePointer<Float>, lda: Int, count: Int, k: Int, w: UnsafePointer<Float>,
                         bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?, ldr: Int, valid: Int,
                         low: Float, high: Float, y: UnsafeMutablePointer<Float>, ldy: Int) {
        let last = count - 1
        let a0 = a, a1 = a + min(1, last) * lda, a2 = a + min(2, last) * lda, a3 = a + min(3, last) * lda
        let a4 = a + min(4, last) * lda, a5 = a + min(5, last) * lda, a6 = a + min(6, last) * lda, a7 = a + min(7, last) * lda
        var c0 = F16(), c1 = F16(), c2 = F16(), c3 = F16(), c4 = F16(), c5 = F16(), c6 = F16(), c7 = F16()
        var wp = w
        for i in 0..<k {
            let b = load(wp)
            c0 = c0.addingProduct(F16(repeating: a0[i]), b); c1 = c1.addingProduct(F16(repeating: a1[i]), b)
            c2 = c2.addingProduct(F16(repeating: a2[i]), b); c3 = c3.addingProduct(F16(repeating: a3[i]), b)
            c4 = c4.addingProduct(F16(repeating: a4[i]), b); c5 = c5.addingProduct(F16(repeating: a5[i]), b)
            c6 = c6.addingProduct(F16(repeating: a6[i]), b); c7 = c7.addingProduct(F16(repeating: a7[i]), b)
            wp += 32
        }
        let bias0 = load(bias), zero = F16()
        finishTileRow(0, count, c0 + bias0, zero, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(1, count, c1 + bias0, zero, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(2, count, c2 + bias0, zero, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(3, count, c3 + bias0, zero, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(4, count, c4 + bias0, zero, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(5, count, c5 + bias0, zero, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(6, count, c6 + bias0, zero, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(7, count, c7 + bias0, zero, residual, ldr, valid, low, high, y, ldy)
    }
}
