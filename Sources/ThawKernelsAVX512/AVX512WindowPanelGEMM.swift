extension AVX512Kernels {
    /// C = clamp(A · B + bias + residual, low, high) as `panelGEMM` computes it, with each row of A read as a
    /// convolution window straight from an NHWC map instead of from an im2col copy.
    ///
    /// Row r of A is `segments` runs of `segmentK` contiguous floats, run s starting at
    /// `a + rowOffsets[r] + s · segmentStride`; K = segments · segmentK in that order, the order of the packed
    /// weights' rows [kh][kw][Cin]. For a convolution (dilation 1) over a padded map [·, Wp, Cin] a run is one
    /// window row (kw · Cin floats), the segment stride one map row (Wp · Cin) and the offset of output pixel
    /// (image, oh, ow) ((image · Hp + oh · sh) · Wp + ow · sw) · Cin. A 1×1 stride-2 convolution is one run
    /// of Cin floats per row, read from the unpadded map.
    ///
    /// Same register blocks as `panelGEMM` (6 × 64, then 4, then single rows; 24 accumulators over the whole
    /// K, the epilogue before the only store of C), same summation order over K: for the same rows it gives
    /// the same floats as `panelGEMM` on the im2col copy.
    ///
    /// - packed: weights [N/64][K][64]; c, bias, residual: column 0 of [rows, ldc], [N], [rows, ldr] (bias and
    ///   residual may be nil).
    public static func windowPanelGEMM(rows: Int, rowOffsets: UnsafePointer<Int32>, a: UnsafePointer<Float>, segments: Int,
                                       segmentK: Int, segmentStride: Int, packed: UnsafePointer<Float>, panels: Range<Int>,
                                       c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                                       residual: UnsafePointer<Float>?, ldr: Int, low: Float, high: Float) {
        let k = segments * segmentK
        let runs = Runs(count: segments, length: segmentK, stride: segmentStride)
        for p in panels {
            let b = packed + p * k * panelWidth, col = p * panelWidth
            let bp = bias.map { $0 + col } ?? UnsafePointer(panelZeros)
            var r = 0
            while r + 6 <= rows {
                windows6(a, rowOffsets + r, runs, b, c + r * ldc + col, ldc, bp, residual.map { $0 + r * ldr + col }, ldr, low, high)
                r += 6
            }
            if r + 4 <= rows {
                windows4(a, rowOffsets + r, runs, b, c + r * ldc + col, ldc, bp, residual.map { $0 + r * ldr + col }, ldr, low, high)
                r += 4
            }
            while r < rows {
                windows1(a + Int(rowOffsets[r]), runs, b, c + r * ldc + col, bp, residual.map { $0 + r * ldr + col }, low, high)
                r += 1
            }
        }
    }

    /// The runs of one window row set: `count` runs of `length` floats, `stride` floats apart.
    struct Runs {
        let count: Int, length: Int, stride: Int
    }

    @inline(__always)
    private static func windows6(_ a: UnsafePointer<Float>, _ offsets: UnsafePointer<Int32>, _ runs: Runs, _ b: UnsafePointer<Float>,
                                 _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>,
                                 _ skip: UnsafePointer<Float>?, _ ldr: Int, _ low: Float, _ high: Float) {
        var c00 = F16(), c01 = F16(), c02 = F16(), c03 = F16()
        var c10 = F16(), c11 = F16(), c12 = F16(), c13 = F16()
        var c20 = F16(), c21 = F16(), c22 = F16(), c23 = F16()
        var c30 = F16(), c31 = F16(), c32 = F16(), c33 = F16()
        var c40 = F16(), c41 = F16(), c42 = F16(), c43 = F16()
        var c50 = F16(), c51 = F16(), c52 = F16(), c53 = F16()
        var bp = b
        for s in 0..<runs.count {
            let o = s * runs.stride
            let a0 = a + (Int(offsets[0]) + o), a1 = a + (Int(offsets[1]) + o), a2 = a + (Int(offsets[2]) + o)
            let a3 = a + (Int(offsets[3]) + o), a4 = a + (Int(offsets[4]) + o), a5 = a + (Int(offsets[5]) + o)
            for i in 0..<runs.length {
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
        }
        panelFinish(c00, c01, c02, c03, c, bias, skip, low, high)
        panelFinish(c10, c11, c12, c13, c + ldc, bias, skip.map { $0 + ldr }, low, high)
        panelFinish(c20, c21, c22, c23, c + 2 * ldc, bias, skip.map { $0 + 2 * ldr }, low, high)
        panelFinish(c30, c31, c32, c33, c + 3 * ldc, bias, skip.map { $0 + 3 * ldr }, low, high)
        panelFinish(c40, c41, c42, c43, c + 4 * ldc, bias, skip.map { $0 + 4 * ldr }, low, high)
        panelFinish(c50, c51, c52, c53, c + 5 * ldc, bias, skip.map { $0 + 5 * ldr }, low, high)
    }

    @inline(__always)
    private static func windows4(_ a: UnsafePointer<Float>, _ offsets: UnsafePointer<Int32>, _ runs: Runs, _ b: UnsafePointer<Float>,
                                 _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>,
                                 _ skip: UnsafePointer<Float>?, _ ldr: Int, _ low: Float, _ high: Float) {
        var c00 = F16(), c01 = F16(), c02 = F16(), c03 = F16()
        var c10 = F16(), c11 = F16(), c12 = F16(), c13 = F16()
        var c20 = F16(), c21 = F16(), c22 = F16(), c23 = F16()
        var c30 = F16(), c31 = F16(), c32 = F16(), c33 = F16()
        var bp = b
        for s in 0..<runs.count {
            let o = s * runs.stride
            let a0 = a + (Int(offsets[0]) + o), a1 = a + (Int(offsets[1]) + o)
            let a2 = a + (Int(offsets[2]) + o), a3 = a + (Int(offsets[3]) + o)
            for i in 0..<runs.length {
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
        }
        panelFinish(c00, c01, c02, c03, c, bias, skip, low, high)
        panelFinish(c10, c11, c12, c13, c + ldc, bias, skip.map { $0 + ldr }, low, high)
        panelFinish(c20, c21, c22, c23, c + 2 * ldc, bias, skip.map { $0 + 2 * ldr }, low, high)
        panelFinish(c30, c31, c32, c33, c + 3 * ldc, bias, skip.map { $0 + 3 * ldr }, low, high)
    }

    @inline(__always)
    private static func windows1(_ a: UnsafePointer<Float>, _ runs: Runs, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                                 _ bias: UnsafePointer<Float>, _ skip: UnsafePointer<Float>?, _ low: Float, _ high: Float) {
        var c0 = F16(), c1 = F16(), c2 = F16(), c3 = F16()
        var bp = b
        for s in 0..<runs.count {
            let row = a + s * runs.stride
            for i in 0..<runs.length {
                let x = F16(repeating: row[i])
                c0 = c0.addingProduct(x, load(bp)); c1 = c1.addingProduct(x, load(bp + 16))
                c2 = c2.addingProduct(x, load(bp + 32)); c3 = c3.addingProduct(x, load(bp + 48))
                bp += 64
            }
        }
        panelFinish(c0, c1, c2, c3, c, bias, skip, low, high)
    }
}
