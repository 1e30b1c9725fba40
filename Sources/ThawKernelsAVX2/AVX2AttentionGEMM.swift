/// The two small products of the attention core per (batch, head) pair, for heads whose width is a multiple of 8
/// (all-MiniLM-L6-v2: T × T × 32 and T × 32 × T): every output one fused multiply-add chain over k in order from +0,
/// then alpha · sum + 0 (`AVX2AttentionGEMMTests` holds them to that order bit for bit). Why: OpenBLAS per pair zeroes
/// C (beta = 0), packs both operands and runs its kernel on blocks too small to amortise that.
///
/// Not OpenBLAS's floats: its Haswell/Zen sgemm kernel sums some register blocks (8 × 6 and 8 × 4) in two chains, even
/// and odd k, added at the end, and which blocks depends on the shape's split, so these differ from it in the last
/// bits (`SelfAttention.avx2Products`, off by default).
extension AVX2Kernels {
    /// s[i][j] = scale · Σ_c q[i][c] · kᵀ[c][j] + 0 for i < rows, j < keys, summed over c = 0 ..< depth in order.
    /// - Parameters:
    ///   - q: [rows][depth] with row stride `ldq`.
    ///   - keysT: the keys transposed, [depth][keysPadded] with keysPadded = keys rounded up to 16 (the columns past
    ///     `keys` are read, never stored).
    ///   - s: [rows][keys] with row stride `lds`.
    public static func attentionScores(rows: Int, keys: Int, depth: Int, q: UnsafePointer<Float>, ldq: Int,
                                       keysT: UnsafePointer<Float>, scale: Float, s: UnsafeMutablePointer<Float>, lds: Int) {
        let padded = (keys + 15) / 16 * 16
        let sv = F8(repeating: scale), zero = F8()
        var tail = (F8(), F8())                                   // a last block's 16 values when keys % 16 ≠ 0
        func finish(_ acc: F8, _ acc2: F8, row: UnsafeMutablePointer<Float>, column j: Int) {
            let r0 = acc * sv + zero, r1 = acc2 * sv + zero
            if j + 16 <= keys { store(r0, row + j); store(r1, row + j + 8); return }
            tail = (r0, r1)
            withUnsafeBytes(of: &tail) { b in
                let v = b.bindMemory(to: Float.self)
                for c in 0..<(keys - j) { row[j + c] = v[c] }
            }
        }
        var i = 0
        while i + 6 <= rows {
            let a = q + i * ldq
            for j in stride(from: 0, to: padded, by: 16) {
                var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8(), c20 = F8(), c21 = F8()
                var c30 = F8(), c31 = F8(), c40 = F8(), c41 = F8(), c50 = F8(), c51 = F8()
                var b = keysT + j
                for c in 0..<depth {
                    let b0 = load(b), b1 = load(b + 8)
                    var x = F8(repeating: a[c]);            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
                    x = F8(repeating: a[ldq + c]);          c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
                    x = F8(repeating: a[2 * ldq + c]);      c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
                    x = F8(repeating: a[3 * ldq + c]);      c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
                    x = F8(repeating: a[4 * ldq + c]);      c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
                    x = F8(repeating: a[5 * ldq + c]);      c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
                    b += padded
                }
                let out = s + i * lds
                finish(c00, c01, row: out, column: j); finish(c10, c11, row: out + lds, column: j)
                finish(c20, c21, row: out + 2 * lds, column: j); finish(c30, c31, row: out + 3 * lds, column: j)
                finish(c40, c41, row: out + 4 * lds, column: j); finish(c50, c51, row: out + 5 * lds, column: j)
            }
            i += 6
        }
        while i < rows {
            let a = q + i * ldq
            for j in stride(from: 0, to: padded, by: 16) {
                var c0 = F8(), c1 = F8()
                var b = keysT + j
                for c in 0..<depth {
                    let x = F8(repeating: a[c])
                    c0 = c0.addingProduct(x, load(b)); c1 = c1.addingProduct(x, load(b + 8))
                    b += padded
                }
                finish(c0, c1, row: s + i * lds, column: j)
            }
            i += 1
        }
    }

    /// out[i][c] = Σ_j p[i][j] · v[j][c] + 0 for i < rows, c < width, summed over j = 0 ..< keys in order.
    /// p: [rows][keys] with row stride `ldp`; v: [keys][width] with row stride `ldv`; out: row stride `ldo`;
    /// width a multiple of 8.
    public static func attentionValues(rows: Int, keys: Int, width: Int, p: UnsafePointer<Float>, ldp: Int,
                                       v: UnsafePointer<Float>, ldv: Int, out: UnsafeMutablePointer<Float>, ldo: Int) {
        precondition(width % 8 == 0, "attentionValues: width \(width) must be a multiple of 8")
        let zero = F8()
        var col = 0
        while col + 32 <= width {                              // 3 rows × 32 columns: 12 accumulators
            var i = 0
            while i + 3 <= rows {
                var a0 = F8(), a1 = F8(), a2 = F8(), a3 = F8(), b0 = F8(), b1 = F8(), b2 = F8(), b3 = F8()
                var d0 = F8(), d1 = F8(), d2 = F8(), d3 = F8()
                let pr = p + i * ldp
                var vr = v + col
                for j in 0..<keys {
                    let v0 = load(vr), v1 = load(vr + 8), v2 = load(vr + 16), v3 = load(vr + 24)
                    var x = F8(repeating: pr[j])
                    a0 = a0.addingProduct(x, v0); a1 = a1.addingProduct(x, v1); a2 = a2.addingProduct(x, v2); a3 = a3.addingProduct(x, v3)
                    x = F8(repeating: pr[ldp + j])
                    b0 = b0.addingProduct(x, v0); b1 = b1.addingProduct(x, v1); b2 = b2.addingProduct(x, v2); b3 = b3.addingProduct(x, v3)
                    x = F8(repeating: pr[2 * ldp + j])
                    d0 = d0.addingProduct(x, v0); d1 = d1.addingProduct(x, v1); d2 = d2.addingProduct(x, v2); d3 = d3.addingProduct(x, v3)
                    vr += ldv
                }
                var o = out + i * ldo + col
                store(a0 + zero, o); store(a1 + zero, o + 8); store(a2 + zero, o + 16); store(a3 + zero, o + 24)
                o += ldo
                store(b0 + zero, o); store(b1 + zero, o + 8); store(b2 + zero, o + 16); store(b3 + zero, o + 24)
                o += ldo
                store(d0 + zero, o); store(d1 + zero, o + 8); store(d2 + zero, o + 16); store(d3 + zero, o + 24)
                i += 3
            }
            while i < rows {
                var a0 = F8(), a1 = F8(), a2 = F8(), a3 = F8()
                let pr = p + i * ldp
                var vr = v + col
                for j in 0..<keys {
                    let x = F8(repeating: pr[j])
                    a0 = a0.addingProduct(x, load(vr)); a1 = a1.addingProduct(x, load(vr + 8))
                    a2 = a2.addingProduct(x, load(vr + 16)); a3 = a3.addingProduct(x, load(vr + 24))
                    vr += ldv
                }
                let o = out + i * ldo + col
                store(a0 + zero, o); store(a1 + zero, o + 8); store(a2 + zero, o + 16); store(a3 + zero, o + 24)
                i += 1
            }
            col += 32
        }
        while col < width {                                     // 8 columns at a time, 4 rows
            var i = 0
            while i < rows {
                let n = min(4, rows - i)
                var acc = (F8(), F8(), F8(), F8())
                let pr = p + i * ldp
                var vr = v + col
                for j in 0..<keys {
                    let w = load(vr)
                    acc.0 = acc.0.addingProduct(F8(repeating: pr[j]), w)
                    if n > 1 { acc.1 = acc.1.addingProduct(F8(repeating: pr[ldp + j]), w) }
                    if n > 2 { acc.2 = acc.2.addingProduct(F8(repeating: pr[2 * ldp + j]), w) }
                    if n > 3 { acc.3 = acc.3.addingProduct(F8(repeating: pr[3 * ldp + j]), w) }
                    vr += ldv
                }
                let o = out + i * ldo + col
                store(acc.0 + zero, o)
                if n > 1 { store(acc.1 + zero, o + ldo) }
                if n > 2 { store(acc.2 + zero, o + 2 * ldo) }
                if n > 3 { store(acc.3 + zero, o + 3 * ldo) }
                i += n
            }
            col += 8
        }
    }

    /// keysT [depth][keysPadded] = kᵀ, k: [keys][depth] with row stride `ldk`; keysPadded = keys rounded up to 16,
    /// the columns past `keys` zero (`attentionScores`' layout).
    public static func transposeKeys(_ k: UnsafePointer<Float>, keys: Int, depth: Int, ldk: Int, into keysT: UnsafeMutablePointer<Float>) {
        let padded = (keys + 15) / 16 * 16
        for j in 0..<padded {
            if j < keys {
                let src = k + j * ldk
                for c in 0..<depth { keysT[c * padded + j] = src[c] }
            } else {
                for c in 0..<depth { keysT[c * padded + j] = 0 }
            }
        }
    }
}
