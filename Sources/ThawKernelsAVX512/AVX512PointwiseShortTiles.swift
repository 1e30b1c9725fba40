extension AVX512Kernels {
    /// A last tile of ≤ 4 rows as a 4-row tile instead of an 8-row one (whose rows past `count` repeat the last
    /// row: computed, never stored). The 7×7 and 14×14 bands of Lite0 end in short tiles — 7 rows of a 7×7
    /// block's band = 1 tile row over, 2 band rows × 14 = 28 = 3 tiles + 4 rows — where the 8-row tile spent
    /// 12.5% of those layers' multiply-adds on repeated rows. Each output is the same dot product, bias,
    /// residual and clamp as in `tile8x32`: identical floats.
    nonisolated(unsafe) public static var shortTiles = true

    /// `count` ≤ 4 rows × `valid` ≤ 32 columns (`wide`), or × `valid` ≤ 16 columns: `tile8x32` / `tile8x16` on 4 rows.
    @inline(__always)
    static func tile4x32(wide: Bool, a: UnsafePointer<Float>, lda: Int, count: Int, k: Int, w: UnsafePointer<Float>,
                         bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?, ldr: Int, valid: Int,
                         low: Float, high: Float, y: UnsafeMutablePointer<Float>, ldy: Int) {
        let last = count - 1
        let a0 = a, a1 = a + min(1, last) * lda, a2 = a + min(2, last) * lda, a3 = a + min(3, last) * lda
        var c00 = F16(), c01 = F16(), c10 = F16(), c11 = F16(), c20 = F16(), c21 = F16(), c30 = F16(), c31 = F16()
        var wp = w
        if wide {
            for i in 0..<k {
                let b0 = load(wp), b1 = load(wp + 16)
                var x = F16(repeating: a0[i]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
                x = F16(repeating: a1[i]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
                x = F16(repeating: a2[i]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
                x = F16(repeating: a3[i]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
                wp += 32
            }
        } else {
            for i in 0..<k {
                let b = load(wp)
                c00 = c00.addingProduct(F16(repeating: a0[i]), b); c10 = c10.addingProduct(F16(repeating: a1[i]), b)
                c20 = c20.addingProduct(F16(repeating: a2[i]), b); c30 = c30.addingProduct(F16(repeating: a3[i]), b)
                wp += 32
            }
        }
        let bias0 = load(bias), bias1 = wide ? load(bias + 16) : F16()
        finishTileRow(0, count, c00 + bias0, c01 + bias1, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(1, count, c10 + bias0, c11 + bias1, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(2, count, c20 + bias0, c21 + bias1, residual, ldr, valid, low, high, y, ldy)
        finishTileRow(3, count, c30 + bias0, c31 + bias1, residual, ldr, valid, low, high, y, ldy)
    }
}
