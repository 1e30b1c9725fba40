/// Backward of `Pooling`: the gradient of each output pixel goes back to its window.
///
/// Windows overlap (kernel > stride), so scatters into dx would race between output rows; work
/// is split over images instead (each image's dx is written by one task). `dx` is overwritten.
extension Pooling {
    /// Max pool backward: each output's gradient goes to the first maximum of its window in
    /// scan order (row-major, as PyTorch picks on ties), recomputed from x and y.
    /// x, dx: [N, H, W, C]; y, dy: [N, OH, OW, C] (the forward's output and its gradient).
    public static func maxPoolBackward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                       batch n: Int, height h: Int, width w: Int, channels c: Int,
                                       kernel: Int, stride: Int, padding: Padding2D = .none,
                                       dx: UnsafeMutablePointer<Float>) {
        let g = WindowGeometry(inHeight: h, inWidth: w, kernel: (kernel, kernel), stride: (stride, stride), padding: padding)
        dx.update(repeating: 0, count: n * h * w * c)
        forEachImageWindow(g, batch: n) { img, o, rows, cols, _ in
            let x0 = x + img * h * w * c, d0 = dx + img * h * w * c
            let yo = y + o * c, dyo = dy + o * c
            for j in 0..<c {
                var found = false
                for iy in rows where !found {
                    for ix in cols where x0[(iy * w + ix) * c + j] == yo[j] {
                        d0[(iy * w + ix) * c + j] += dyo[j]
                        found = true
                        break
                    }
                }
            }
        }
    }

    /// Average pool backward: each output's gradient, divided by its tap count (same rule as
    /// the forward's `countPadding`), is added to every in-image tap of its window.
    public static func avgPoolBackward(dy: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int, channels c: Int,
                                       kernel: Int, stride: Int, padding: Padding2D = .none, countPadding: Bool = true,
                                       dx: UnsafeMutablePointer<Float>) {
        let g = WindowGeometry(inHeight: h, inWidth: w, kernel: (kernel, kernel), stride: (stride, stride), padding: padding)
        dx.update(repeating: 0, count: n * h * w * c)
        forEachImageWindow(g, batch: n) { img, o, rows, cols, start in
            let taps = countPadding
                ? (min(start.y + kernel, h + g.pad.bottom) - start.y) * (min(start.x + kernel, w + g.pad.right) - start.x)
                : rows.count * cols.count
            let inv = 1 / Float(max(taps, 1))
            let d0 = dx + img * h * w * c, dyo = dy + o * c
            for iy in rows {
                for ix in cols {
                    let t = d0 + (iy * w + ix) * c
                    for j in 0..<c { t[j] += dyo[j] * inv }
                }
            }
        }
    }

    /// Global average pool backward: dx [N, H, W, C] = dy [N, C] / (H·W) at every pixel.
    public static func globalAvgPoolBackward(dy: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                                             channels c: Int, dx: UnsafeMutablePointer<Float>) {
        let hw = h * w, inv = 1 / Float(hw)
        ParallelRows.run(n * hw, grain: max(1, 16384 / c)) { part in
            for p in part {
                let d = dy + (p / hw) * c, o = dx + p * c
                for j in 0..<c { o[j] = d[j] * inv }
            }
        }
    }

    /// Calls `body(image, outputPixel, rows, cols, start)` for every output pixel (flattened over
    /// the batch), images split over cores; `rows`/`cols` are the window clipped to the image.
    @inline(__always)
    private static func forEachImageWindow(_ g: WindowGeometry, batch n: Int,
                                           _ body: (Int, Int, Range<Int>, Range<Int>, (y: Int, x: Int)) -> Void) {
        ParallelRows.run(n) { images in
            for img in images {
                for oh in 0..<g.outHeight {
                    let y0 = oh * g.strideH - g.pad.top
                    let rows = max(y0, 0)..<min(y0 + g.kernelH, g.inHeight)
                    for ow in 0..<g.outWidth {
                        let x0 = ow * g.strideW - g.pad.left
                        let cols = max(x0, 0)..<min(x0 + g.kernelW, g.inWidth)
                        body(img, (img * g.outHeight + oh) * g.outWidth + ow, rows, cols, (y0, x0))
                    }
                }
            }
        }
    }
}
