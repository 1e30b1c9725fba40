extension AVX512Kernels {
    typealias F8 = SIMD8<Float>

    /// Last panels with 17–24 or ≤ 8 valid columns (N = 24, 40, …: the projections to 24 and 40 channels of the
    /// mobile networks' 56×56 and 28×28 blocks) as tiles of 16 + 8 or 8 columns: the 8-column part in ymm
    /// registers, so no multiply-adds on the panel's zero columns (8 × 32 tiles did a third more work at N = 24).
    /// Each output is the same dot product, bias, residual and clamp as in `tile8x32`: identical floats.
    nonisolated(unsafe) public static var narrowTiles = true

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }

    @inline(__always)
    static func store8(_ v: F8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self) }

    /// `count` ≤ 8 rows × 16 + `valid − 16` (17…24) columns, or (`wide` false) × `valid` ≤ 8 columns.
    @inline(__always)
    static func tile8x24(wide: Bool, a: UnsafePointer<Float>, lda: Int, count: Int, k: Int, w: UnsafePointer<Float>,
                         bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?, ldr: Int, valid: Int,
                         low: Float, high: Float, y: UnsafeMutablePointer<Float>, ldy: Int) {
        let last = count - 1
        let a0 = a, a1 = a + min(1, last) * lda, a2 = a + min(2, last) * lda, a3 = a + min(3, last) * lda
        let a4 = a + min(4, last) * lda, a5 = a + min(5, last) * lda, a6 = a + min(6, last) * lda, a7 = a + min(7, last) * lda
        var c00 = F16(), c10 = F16(), c20 = F16(), c30 = F16(), c40 = F16(), c50 = F16(), c60 = F16(), c70 = F16()
        var c01 = F8(), c11 = F8(), c21 = F8(), c31 = F8(), c41 = F8(), c51 = F8(), c61 = F8(), c71 = F8()
        var wp = w
        let upper = wide ? 16 : 0                    // the 8-column part's offset in the panel
        if wide {
            for i in 0..<k {
                let b0 = load(wp), b1 = load8(wp + 16)
                c00 = c00.addingProduct(F16(repeating: a0[i]), b0); c01 = c01.addingProduct(F8(repeating: a0[i]), b1)
                c10 = c10.addingProduct(F16(repeating: a1[i]), b0); c11 = c11.addingProduct(F8(repeating: a1[i]), b1)
                c20 = c20.addingProduct(F16(repeating: a2[i]), b0); c21 = c21.addingProduct(F8(repeating: a2[i]), b1)
                c30 = c30.addingProduct(F16(repeating: a3[i]), b0); c31 = c31.addingProduct(F8(repeating: a3[i]), b1)
                c40 = c40.addingProduct(F16(repeating: a4[i]), b0); c41 = c41.addingProduct(F8(repeating: a4[i]), b1)
                c50 = c50.addingProduct(F16(repeating: a5[i]), b0); c51 = c51.addingProduct(F8(repeating: a5[i]), b1)
                c60 = c60.addingProduct(F16(repeating: a6[i]), b0); c61 = c61.addingProduct(F8(repeating: a6[i]), b1)
                c70 = c70.addingProduct(F16(repeating: a7[i]), b0); c71 = c71.addingProduct(F8(repeating: a7[i]), b1)
                wp += 32
            }
        } else {
            for i in 0..<k {
                let b1 = load8(wp)
                c01 = c01.addingProduct(F8(repeating: a0[i]), b1); c11 = c11.addingProduct(F8(repeating: a1[i]), b1)
                c21 = c21.addingProduct(F8(repeating: a2[i]), b1); c31 = c31.addingProduct(F8(repeating: a3[i]), b1)
                c41 = c41.addingProduct(F8(repeating: a4[i]), b1); c51 = c51.addingProduct(F8(repeating: a5[i]), b1)
                c61 = c61.addingProduct(F8(repeating: a6[i]), b1); c71 = c71.addingProduct(F8(repeating: a7[i]), b1)
                wp += 32
            }
        }
        let bias0 = load(bias), bias1 = load8(bias + upper)
        let rest = NarrowRowRest(count: count, wide: wide, residual: residual, ldr: ldr, n8: valid - upper, upper: upper,
                                 low: low, high: high, y: y, ldy: ldy)
        // A static inlined helper, not a local function (compiled as a call per row with the tile spilled).
        finishNarrowRow(0, c00 + bias0, c01 + bias1, rest); finishNarrowRow(1, c10 + bias0, c11 + bias1, rest)
        finishNarrowRow(2, c20 + bias0, c21 + bias1, rest); finishNarrowRow(3, c30 + bias0, c31 + bias1, rest)
        finishNarrowRow(4, c40 + bias0, c41 + bias1, rest); finishNarrowRow(5, c50 + bias0, c51 + bias1, rest)
        finishNarrowRow(6, c60 + bias0, c61 + bias1, rest); finishNarrowRow(7, c70 + bias0, c71 + bias1, rest)
    }

    /// What a narrow tile's rows share.
    struct NarrowRowRest {
        let count: Int, wide: Bool
        let residual: UnsafePointer<Float>?, ldr: Int
        let n8: Int, upper: Int                      // 1…8 columns of the 8-column part, at column `upper`
        let low: Float, high: Float
        let y: UnsafeMutablePointer<Float>, ldy: Int
    }

    /// Row r (bias added) of a narrow tile when r < count: + residual, clamped, stored.
    @_transparent                                    // mandatory: @inline(__always) still left a call per row
    static func finishNarrowRow(_ r: Int, _ lo: F16, _ hi: F8, _ t: NarrowRowRest) {
        guard r < t.count else { return }
        let out = t.y + r * t.ldy, res = t.residual.map { $0 + r * t.ldr }
        if t.wide {                                  // stored, then clamped in L1 (as `finishRow`)
            var v = lo
            if let res { v += load(res) }
            store(v, out)
            clamp(out, count: 16, t.low, t.high)
        }
        var h = hi
        if t.n8 == 8 {
            if let res { h += load8(res + t.upper) }
            store8(h, out + t.upper)
            clamp(out + t.upper, count: 8, t.low, t.high)
        } else {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 8) { tmp in
                let p = tmp.baseAddress!
                store8(h, p)
                if let res { for j in 0..<t.n8 { p[j] += res[t.upper + j] } }
                for j in 0..<t.n8 { out[t.upper + j] = p[j] }
            }
            clamp(out + t.upper, count: t.n8, t.low, t.high)
        }
    }
}
