import Dispatch

/// The adjoint of `Im2col.lower` ("col2im"): adds lowered rows back onto an NHWC gradient.
///
/// Row `r` [kh][kw][cg] is output pixel r of the flattened batch; every tap inside the image is
/// added to channels c0..<c0+cg of its input pixel, taps in the padding (including TF "SAME"'s
/// extra bottom/right row) are dropped. Windows of one image overlap, so parallel tasks must
/// not share input pixels: with ≥ 16 channels per core, tasks take disjoint channel slices of
/// every row; otherwise they take whole images.
enum Col2im {
    /// dx [N, H, W, C] += scatter of `cols` [rows.count, kh·kw·cg].
    static func accumulate(_ cols: UnsafePointer<Float>, channels: Int, c0: Int, cg: Int,
                           geometry g: WindowGeometry, rows: Range<Int>,
                           into dx: UnsafeMutablePointer<Float>) {
        let k = g.kernelH * g.kernelW * cg
        let cores = ParallelRows.cores
        if cg >= 16 * cores && rows.count * k >= 1 << 15 {
            DispatchQueue.concurrentPerform(iterations: cores) { t in
                let lo = cg * t / cores, hi = cg * (t + 1) / cores   // this task's channel slice
                for r in rows {
                    addRow(cols + (r - rows.lowerBound) * k + lo, channels: channels, c0: c0, cg: cg,
                           slice: lo..<hi, geometry: g, row: r, into: dx)
                }
            }
            return
        }
        let p = g.outPixels
        let firstImage = rows.lowerBound / p, lastImage = (rows.upperBound - 1) / p
        ParallelRows.run(lastImage - firstImage + 1) { images in
            for img in images {
                let n = firstImage + img
                let lo = max(rows.lowerBound, n * p), hi = min(rows.upperBound, (n + 1) * p)
                for r in lo..<hi {
                    addRow(cols + (r - rows.lowerBound) * k, channels: channels, c0: c0, cg: cg,
                           slice: 0..<cg, geometry: g, row: r, into: dx)
                }
            }
        }
    }

    /// `src` points at the row's first tap, channel `slice.lowerBound`; only `slice` is added.
    @inline(__always)
    private static func addRow(_ src: UnsafePointer<Float>, channels c: Int, c0: Int, cg: Int, slice: Range<Int>,
                               geometry g: WindowGeometry, row r: Int, into dx: UnsafeMutablePointer<Float>) {
        let p = g.outPixels
        let n = r / p, pix = r % p
        let oh = pix / g.outWidth, ow = pix % g.outWidth
        let iy0 = oh * g.strideH - g.pad.top
        let ix0 = ow * g.strideW - g.pad.left
        let image = dx + n * g.inHeight * g.inWidth * c + c0 + slice.lowerBound
        for ky in 0..<g.kernelH {
            let iy = iy0 + ky * g.dilationH
            if iy < 0 || iy >= g.inHeight { continue }
            let line = image + iy * g.inWidth * c
            let s = src + ky * g.kernelW * cg
            for kx in 0..<g.kernelW {
                let ix = ix0 + kx * g.dilationW
                if ix < 0 || ix >= g.inWidth { continue }
                let d = line + ix * c, sk = s + kx * cg
                for j in 0..<slice.count { d[j] += sk[j] }
            }
        }
    }
}
