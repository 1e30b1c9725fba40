extension AVX512Kernels {
    /// y[j] = bias[j] + Σ_i w[j, i]·x[i] for rows j in `rows` — a fully connected layer on one input vector,
    /// weights as PyTorch stores them ([out, in] row-major, read once, contiguously):
    ///   w [out, k], x [k], bias [out], y [out].
    /// Per row four accumulator chains over 64 inputs at a time, summed, then the tail inputs one by one. For a
    /// classifier at batch 1 (1,000 × 1,280: 5 MB of weights, 1.3 M multiply-adds) the time is the weights' trip
    /// from L3; OpenBLAS's sgemm packed the whole matrix first on every call.
    public static func matVecRows(w: UnsafePointer<Float>, x: UnsafePointer<Float>, k: Int, bias: UnsafePointer<Float>,
                                  rows: Range<Int>, y: UnsafeMutablePointer<Float>) {
        let whole = k & ~63
        for j in rows {
            let row = w + j * k
            var a0 = F16(), a1 = F16(), a2 = F16(), a3 = F16()
            var i = 0
            while i < whole {
                a0 = a0.addingProduct(load(row + i), load(x + i))
                a1 = a1.addingProduct(load(row + i + 16), load(x + i + 16))
                a2 = a2.addingProduct(load(row + i + 32), load(x + i + 32))
                a3 = a3.addingProduct(load(row + i + 48), load(x + i + 48))
                i += 64
            }
            let v16 = (a0 + a1) + (a2 + a3)                 // a tree of halves, not 15 dependent lane adds
            let v8 = v16.lowHalf + v16.highHalf, v4 = v8.lowHalf + v8.highHalf, v2 = v4.lowHalf + v4.highHalf
            var sum = v2[0] + v2[1]
            while i < k {
                sum += row[i] * x[i]
                i += 1
            }
            y[j] = bias[j] + sum
        }
    }
}
