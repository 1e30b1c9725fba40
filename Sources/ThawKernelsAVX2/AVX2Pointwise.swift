extension AVX2Kernels {
    /// Columns per packed weight panel: the AVX-512 build's 32 (`AVX512Kernels.pointwisePanelWidth`), so one
    /// packing serves both builds. Here a panel runs as two halves of 16 columns (two ymm registers).
    public static let pointwisePanelWidth = 32

    /// y[r, j] = clamp(Σ_k a[r, k]·w[k, j] + bias[j] (+ residual[r, j]), low, high) for rows 0..<rows and the
    /// columns of panels `panels` — `AVX512Kernels.pointwiseRows` for CPUs without AVX-512, same arguments:
    ///   a        [rows, lda ≥ k]
    ///   packed   [P][k][32]  (panel p holds columns 32p..<32p+32, zeros past n)
    ///   bias     [P·32]      (zeros past n, and for a layer without bias)
    ///   residual [rows, ldr] or nil; y [rows, ldy], columns ≥ n never written.
    /// Tiles of 6 rows × 16 columns (a half panel, weights at stride 32 per k): 12 accumulators, two weight
    /// vectors and one broadcast — 15 of the 16 ymm registers. A row block's two halves run back to back, so its
    /// rows of a stay in L1. Halves with ≤ 8 valid columns run 8-column tiles, all-zero halves not at all.
    /// A last block of 5 rows runs the 6-row tile, of 1–4 rows a 4-row tile (rows past the count repeat the last
    /// row: computed, never stored; nothing past the data is read).
    /// Each output is the AVX-512 build's arithmetic lane for lane — one fused multiply-add chain over k in order,
    /// + bias, + residual, clamp — so both builds give the same floats.
    public static func pointwiseRows(a: UnsafePointer<Float>, lda: Int, rows: Int, k: Int,
                                     packed: UnsafePointer<Float>, n: Int, panels: Range<Int>, bias: UnsafePointer<Float>,
                                     residual: UnsafePointer<Float>?, ldr: Int, low: Float, high: Float,
                                     y: UnsafeMutablePointer<Float>, ldy: Int) {
        for p in panels {
            let w = packed + p * pointwisePanelWidth * k
            let col = p * pointwisePanelWidth, valid = min(pointwisePanelWidth, n - col)
            var r = 0
            while r < rows {
                let left = rows - r, tall = left > 4
                let count = min(tall ? 6 : 4, left)
                for half in stride(from: 0, to: valid, by: 16) {
                    let c = col + half
                    let rest = PointwiseTileRest(count: count, cols: min(16, valid - half), residual: residual.map { $0 + r * ldr + c },
                                            ldr: ldr, low: low, high: high, y: y + r * ldy + c, ldy: ldy)
                    let (ar, wh, bh) = (a + r * lda, w + half, bias + c)
                    switch (tall, rest.cols > 8) {
                    case (true, true): pointwiseTile6(wide: true, a: ar, lda: lda, k: k, w: wh, bias: bh, rest)
                    case (true, false): pointwiseTile6(wide: false, a: ar, lda: lda, k: k, w: wh, bias: bh, rest)
                    case (false, true): pointwiseTile4(wide: true, a: ar, lda: lda, k: k, w: wh, bias: bh, rest)
                    case (false, false): pointwiseTile4(wide: false, a: ar, lda: lda, k: k, w: wh, bias: bh, rest)
                    }
                }
                r += count
            }
        }
    }

    /// What the rows of one half-panel tile share.
    struct PointwiseTileRest {
        let count: Int                               // rows stored (≤ the tile's height)
        let cols: Int                                // 1…16 valid columns of this half
        let residual: UnsafePointer<Float>?, ldr: Int
        let low: Float, high: Float
        let y: UnsafeMutablePointer<Float>, ldy: Int

        /// Whole vectors clamped in registers (`pointwiseRegisterClamp`) when the bounds are not ±∞.
        var clampsInRegisters: Bool { pointwiseRegisterClamp && !(low == -.infinity && high == .infinity) }
    }

    /// Whole 8-column vectors of a row clamped in registers before the store (default); false: stored, then clamped
    /// in L1 by `clamp` (as the AVX-512 build). Same floats: the same max-then-min, NaN and signed zeros included.
    nonisolated(unsafe) public static var pointwiseRegisterClamp = true

    /// `count` ≤ 6 rows × 16 columns (`wide`) or × 8 columns; w at the half's first column, stride 32 per k.
    @inline(__always)
    static func pointwiseTile6(wide: Bool, a: UnsafePointer<Float>, lda: Int, k: Int, w: UnsafePointer<Float>,
                      bias: UnsafePointer<Float>, _ t: PointwiseTileRest) {
        let last = t.count - 1
        let a0 = a, a1 = a + upTo(1, last) * lda, a2 = a + upTo(2, last) * lda
        let a3 = a + upTo(3, last) * lda, a4 = a + upTo(4, last) * lda, a5 = a + upTo(5, last) * lda
        var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8()
        var c30 = F8(), c31 = F8(), c40 = F8(), c41 = F8(), c50 = F8(), c51 = F8()
        var wp = w
        if wide {
            for i in 0..<k {
                let b0 = load(wp), b1 = load(wp + 8)
                var x = F8(repeating: a0[i]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
                x = F8(repeating: a1[i]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
                x = F8(repeating: a2[i]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
                x = F8(repeating: a3[i]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
                x = F8(repeating: a4[i]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
                x = F8(repeating: a5[i]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
                wp += pointwisePanelWidth
            }
        } else {
            for i in 0..<k {
                let b = load(wp)
                c00 = c00.addingProduct(F8(repeating: a0[i]), b); c10 = c10.addingProduct(F8(repeating: a1[i]), b)
                c20 = c20.addingProduct(F8(repeating: a2[i]), b); c30 = c30.addingProduct(F8(repeating: a3[i]), b)
                c40 = c40.addingProduct(F8(repeating: a4[i]), b); c50 = c50.addingProduct(F8(repeating: a5[i]), b)
                wp += pointwisePanelWidth
            }
        }
        let bias0 = load(bias), bias1 = wide ? load(bias + 8) : F8()
        if let e = PointwiseWholeTile(t, height: 6, wide: wide) {
            @_transparent func rows(adds: Bool, clamps: Bool) {
                e.row(0, c00 + bias0, c01 + bias1, wide: wide, adds: adds, clamps: clamps)
                e.row(1, c10 + bias0, c11 + bias1, wide: wide, adds: adds, clamps: clamps)
                e.row(2, c20 + bias0, c21 + bias1, wide: wide, adds: adds, clamps: clamps)
                e.row(3, c30 + bias0, c31 + bias1, wide: wide, adds: adds, clamps: clamps)
                e.row(4, c40 + bias0, c41 + bias1, wide: wide, adds: adds, clamps: clamps)
                e.row(5, c50 + bias0, c51 + bias1, wide: wide, adds: adds, clamps: clamps)
            }
            switch e.kind {
            case .linear: rows(adds: false, clamps: false)
            case .linearResidual: rows(adds: true, clamps: false)
            case .clamped: rows(adds: false, clamps: true)
            case .clampedResidual: rows(adds: true, clamps: true)
            }
            return
        }
        finishPointwiseRow(0, c00 + bias0, c01 + bias1, t); finishPointwiseRow(1, c10 + bias0, c11 + bias1, t)
        finishPointwiseRow(2, c20 + bias0, c21 + bias1, t); finishPointwiseRow(3, c30 + bias0, c31 + bias1, t)
        finishPointwiseRow(4, c40 + bias0, c41 + bias1, t); finishPointwiseRow(5, c50 + bias0, c51 + bias1, t)
    }

    /// `pointwiseTile6` on `count` ≤ 4 rows (a block's last 1–4 rows).
    @inline(__always)
    static func pointwiseTile4(wide: Bool, a: UnsafePointer<Float>, lda: Int, k: Int, w: UnsafePointer<Float>,
                      bias: UnsafePointer<Float>, _ t: PointwiseTileRest) {
        let last = t.count - 1
        let a0 = a, a1 = a + upTo(1, last) * lda, a2 = a + upTo(2, last) * lda, a3 = a + upTo(3, last) * lda
        var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8(), c30 = F8(), c31 = F8()
        var wp = w
        if wide {
            for i in 0..<k {
                let b0 = load(wp), b1 = load(wp + 8)
                var x = F8(repeating: a0[i]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
                x = F8(repeating: a1[i]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
                x = F8(repeating: a2[i]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
                x = F8(repeating: a3[i]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
                wp += pointwisePanelWidth
            }
        } else {
            for i in 0..<k {
                let b = load(wp)
                c00 = c00.addingProduct(F8(repeating: a0[i]), b); c10 = c10.addingProduct(F8(repeating: a1[i]), b)
                c20 = c20.addingProduct(F8(repeating: a2[i]), b); c30 = c30.addingProduct(F8(repeating: a3[i]), b)
                wp += pointwisePanelWidth
            }
        }
        let bias0 = load(bias), bias1 = wide ? load(bias + 8) : F8()
        if let e = PointwiseWholeTile(t, height: 4, wide: wide) {
            @_transparent func rows(adds: Bool, clamps: Bool) {
                e.row(0, c00 + bias0, c01 + bias1, wide: wide, adds: adds, clamps: clamps)
                e.row(1, c10 + bias0, c11 + bias1, wide: wide, adds: adds, clamps: clamps)
                e.row(2, c20 + bias0, c21 + bias1, wide: wide, adds: adds, clamps: clamps)
                e.row(3, c30 + bias0, c31 + bias1, wide: wide, adds: adds, clamps: clamps)
            }
            switch e.kind {
            case .linear: rows(adds: false, clamps: false)
            case .linearResidual: rows(adds: true, clamps: false)
            case .clamped: rows(adds: false, clamps: true)
            case .clampedResidual: rows(adds: true, clamps: true)
            }
            return
        }
        finishPointwiseRow(0, c00 + bias0, c01 + bias1, t); finishPointwiseRow(1, c10 + bias0, c11 + bias1, t)
        finishPointwiseRow(2, c20 + bias0, c21 + bias1, t); finishPointwiseRow(3, c30 + bias0, c31 + bias1, t)
    }

    /// min(i, last) as a compare and a move: Swift's generic `min` stayed a call here (five calls, each after a
    /// `vzeroupper`, per tile: ≈ 1.8% of a MobileNetV2 forward's CPU, most of it on the K = 16/24 expands).
    @_transparent
    static func upTo(_ i: Int, _ last: Int) -> Int { i < last ? i : last }

    /// Row r (bias added) of a half tile when r < count: + residual, stored (`cols` ≤ 16), clamped in L1.
    /// Whole vectors go straight out; only a partial one passes through a stack row (nothing past `cols`
    /// is read or written).
    @_transparent                                    // a call per row otherwise (as in the AVX-512 build)
    static func finishPointwiseRow(_ r: Int, _ v0: F8, _ v1: F8, _ t: PointwiseTileRest) {
        guard r < t.count else { return }
        let out = t.y + r * t.ldy, res = t.residual.map { $0 + r * t.ldr }
        if t.clampsInRegisters && t.cols >= 8 {      // the whole vectors in registers, a partial one in L1
            let (low, high) = (F8(repeating: t.low), F8(repeating: t.high))
            var lo = v0
            if let res { lo += load(res) }
            store(clamped(lo, low, high), out)
            if t.cols == 16 {
                var hi = v1
                if let res { hi += load(res + 8) }
                store(clamped(hi, low, high), out + 8)
            } else if t.cols > 8 {
                partialPointwiseRow(v1, residual: res.map { $0 + 8 }, count: t.cols - 8, out: out + 8)
                clamp(out + 8, count: t.cols - 8, t.low, t.high)
            }
            return
        }
        if t.cols >= 8 {
            var lo = v0
            if let res { lo += load(res) }
            store(lo, out)
            if t.cols == 16 {
                var hi = v1
                if let res { hi += load(res + 8) }
                store(hi, out + 8)
            } else if t.cols > 8 {
                partialPointwiseRow(v1, residual: res.map { $0 + 8 }, count: t.cols - 8, out: out + 8)
            }
        } else {
            partialPointwiseRow(v0, residual: res, count: t.cols, out: out)
        }
        clamp(out, count: t.cols, t.low, t.high)
    }

    /// The first `count` < 8 lanes of v (+ residual) to out.
    @inline(__always)
    static func partialPointwiseRow(_ v: F8, residual: UnsafePointer<Float>?, count: Int, out: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 8) { tmp in
            let p = tmp.baseAddress!
            store(v, p)
            if let residual { for j in 0..<count { p[j] += residual[j] } }
            for j in 0..<count { out[j] = p[j] }
        }
    }
}
