import ThawKernelsAVX2

/// Spatial pooling over NHWC, vectorised over channels and split over output rows.
public enum Pooling {
    /// y [N, OH, OW, C] = max over each window of x [N, H, W, C]; padding never wins
    /// (PyTorch `max_pool2d`; ResNet: kernel 3, stride 2, `.symmetric(1)`).
    /// Backward needs the argmax; recompute it from x and y.
    @discardableResult
    public static func maxPool(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int, channels c: Int,
                               kernel: Int, stride: Int, padding: Padding2D = .none,
                               into y: UnsafeMutablePointer<Float>) -> WindowGeometry {
        let g = WindowGeometry(inHeight: h, inWidth: w, kernel: (kernel, kernel), stride: (stride, stride), padding: padding)
        precondition(max(g.pad.top, g.pad.bottom, g.pad.left, g.pad.right) <= kernel / 2,
                     "Pooling.maxPool: padding must be at most kernel/2 (\(kernel / 2)), or a window could lie wholly in the padding")
        // AVX2-only (`AVX2Kernels.maxPoolRow`): the AVX-512 build has no pooling kernel, and this loop compiles for SSE2.
        if avx2MaxPool && VectorISA.avx2Kernels && !VectorISA.avx512 && c % 8 == 0 {
            ParallelRows.run(n * g.outHeight, grain: max(1, 4096 / max(g.outWidth * c, 1))) { part in
                for r in part {
                    let y0 = (r % g.outHeight) * g.strideH - g.pad.top
                    AVX2Kernels.maxPoolRow(x + (r / g.outHeight) * h * w * c, width: w, channels: c,
                                           rows: max(y0, 0)..<min(y0 + g.kernelH, h), outWidth: g.outWidth, kernelW: g.kernelW,
                                           strideW: g.strideW, padLeft: g.pad.left, into: y + r * g.outWidth * c)
                }
            }
            return g
        }
        forEachWindow(x, y, g, batch: n, channels: c) { img, rows, cols, _, o in
            o.update(repeating: -.infinity, count: c)
            for iy in rows {
                for ix in cols {
                    let v = img + (iy * w + ix) * c
                    for j in 0..<c { o[j] = max(o[j], v[j]) }
                }
            }
        }
        return g
    }

    /// `maxPool` on CPUs without AVX-512 but with the AVX2 kernels takes `AVX2Kernels.maxPoolRow` (8 channels per
    /// register; the same floats); false: the generic loop. Set before forwards start.
    nonisolated(unsafe) public static var avx2MaxPool = true

    /// y = mean over each window of x. `countPadding` true divides by the window including its
    /// padded taps (PyTorch's default `count_include_pad=True`); false divides by the taps inside
    /// the image (TensorFlow "SAME" average pooling).
    @discardableResult
    public static func avgPool(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int, channels c: Int,
                               kernel: Int, stride: Int, padding: Padding2D = .none, countPadding: Bool = true,
                               into y: UnsafeMutablePointer<Float>) -> WindowGeometry {
        let g = WindowGeometry(inHeight: h, inWidth: w, kernel: (kernel, kernel), stride: (stride, stride), padding: padding)
        forEachWindow(x, y, g, batch: n, channels: c) { img, rows, cols, start, o in
            o.update(repeating: 0, count: c)
            for iy in rows {
                for ix in cols {
                    let v = img + (iy * w + ix) * c
                    for j in 0..<c { o[j] += v[j] }
                }
            }
            // PyTorch counts padded taps, but not past the padded edge.
            let taps = countPadding
                ? (min(start.y + kernel, h + g.pad.bottom) - start.y) * (min(start.x + kernel, w + g.pad.right) - start.x)
                : rows.count * cols.count
            let inv = 1 / Float(max(taps, 1))
            for j in 0..<c { o[j] *= inv }
        }
        return g
    }

    /// y [N, C] = mean over H·W of x [N, H, W, C] (the pooled feature vector of a backbone). Row i
    /// of y starts at `y + i·ldy` (ldy ≥ C, default C): avg and max can fill one [N, 2C] row.
    public static func globalAvgPool(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                                     channels c: Int, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil) {
        let hw = h * w, ldy = ldy ?? c
        precondition(hw > 0 && ldy >= c, "Pooling.globalAvgPool: needs a pixel, and ldy ≥ channels")
        let inv = 1 / Float(hw)
        ParallelRows.run(n, grain: max(1, 32768 / max(hw * c, 1))) { part in
            for i in part {
                let o = y + i * ldy
                o.update(repeating: 0, count: c)
                let img = x + i * hw * c
                for p in 0..<hw {
                    let v = img + p * c
                    for j in 0..<c { o[j] += v[j] }
                }
                for j in 0..<c { o[j] *= inv }
            }
        }
    }

    /// y [N, C] = max over H·W of x [N, H, W, C], rows of y `ldy` apart (default C) as `globalAvgPool`.
    public static func globalMaxPool(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                                     channels c: Int, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil) {
        let hw = h * w, ldy = ldy ?? c
        precondition(hw > 0 && ldy >= c, "Pooling.globalMaxPool: needs a pixel, and ldy ≥ channels")
        ParallelRows.run(n, grain: max(1, 32768 / max(hw * c, 1))) { part in
            for i in part {
                let o = y + i * ldy, img = x + i * hw * c
                o.update(from: img, count: c)
                for p in 1..<hw {
                    let v = img + p * c
                    for j in 0..<c { o[j] = max(o[j], v[j]) }
                }
            }
        }
    }

    /// Calls `body(image, rows, cols, start, out)` for every output pixel: `rows`/`cols` are the
    /// window's input rows/columns clipped to the image, `start` its unclipped top-left corner,
    /// `out` the pixel's C outputs. Output rows (n, oh) are split over cores.
    @inline(__always)
    private static func forEachWindow(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ g: WindowGeometry, batch n: Int, channels c: Int,
        _ body: (UnsafePointer<Float>, Range<Int>, Range<Int>, (y: Int, x: Int), UnsafeMutablePointer<Float>) -> Void
    ) {
        ParallelRows.run(n * g.outHeight, grain: max(1, 4096 / max(g.outWidth * c, 1))) { part in
            for r in part {
                let img = x + (r / g.outHeight) * g.inHeight * g.inWidth * c
                let y0 = (r % g.outHeight) * g.strideH - g.pad.top
                let rows = max(y0, 0)..<min(y0 + g.kernelH, g.inHeight)
                for ow in 0..<g.outWidth {
                    let x0 = ow * g.strideW - g.pad.left
                    let cols = max(x0, 0)..<min(x0 + g.kernelW, g.inWidth)
                    body(img, rows, cols, (y0, x0), y + (r * g.outWidth + ow) * c)
                }
            }
        }
    }
}
