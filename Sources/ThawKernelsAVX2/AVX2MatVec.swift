extension AVX2Kernels {
    /// y[j] = bias[j] + Σ_i w[j, i]·x[i] for rows j in `rows` — a fully connected layer on one input vector,
    /// weights as PyTorch stores them ([out, in] row-major, read once, contiguously):
    ///   w [out, k], x [k], bias [out], y [out].
    /// The AVX-512 build's `matVecRows` lane for lane: its four 16-lane chains over 64 inputs at a time are eight
    /// ymm chains here (each 16-lane chain as a low and a high half), reduced by the same tree, then the tail inputs
    /// one by one — the same floats.
    public static func matVecRows(w: UnsafePointer<Float>, x: UnsafePointer<Float>, k: Int, bias: UnsafePointer<Float>,
                                  rows: Range<Int>, y: UnsafeMutablePointer<Float>) {
        let whole = k & ~63
        for j in rows {
            let row = w + j * k
            var a0 = F8(), b0 = F8(), a1 = F8(), b1 = F8(), a2 = F8(), b2 = F8(), a3 = F8(), b3 = F8()   // a: lanes 0–7, b: 8–15
            var i = 0
            while i < whole {
                a0 = a0.addingProduct(load(row + i), load(x + i)); b0 = b0.addingProduct(load(row + i + 8), load(x + i + 8))
                a1 = a1.addingProduct(load(row + i + 16), load(x + i + 16)); b1 = b1.addingProduct(load(row + i + 24), load(x + i + 24))
                a2 = a2.addingProduct(load(row + i + 32), load(x + i + 32)); b2 = b2.addingProduct(load(row + i + 40), load(x + i + 40))
                a3 = a3.addingProduct(load(row + i + 48), load(x + i + 48)); b3 = b3.addingProduct(load(row + i + 56), load(x + i + 56))
                i += 64
            }
            let low = (a0 + a1) + (a2 + a3), high = (b0 + b1) + (b2 + b3)
            let v8 = low + high, v4 = v8.lowHalf + v8.highHalf, v2 = v4.lowHalf + v4.highHalf
            var sum = v2[0] + v2[1]
            while i < k {
                sum += row[i] * x[i]
                i += 1
            }
            y[j] = bias[j] + sum
        }
    }
}
