/// Lowers windows of an NHWC input to GEMM rows ("im2col").
///
/// Row `r` of the result is output pixel `r` of the flattened batch (n, oh, ow) and holds its
/// window as [kh][kw][cg] (channels `c0..<c0+cg` of one group), zeros where the window hangs over
/// the padding. Rows are independent, so a batch is lowered in bounded chunks of rows: the
/// GEMM stays large (many images per call) but the buffer does not grow with the batch.
enum Im2col {
    /// Writes rows `rows` into `out` [rows.count, kh·kw·cg], in parallel.
    ///
    /// - x: [N, H, W, C] with C = `channels`; the group's channels start at `c0`.
    static func lower(_ x: UnsafePointer<Float>, channels: Int, c0: Int, cg: Int,
                      geometry g: WindowGeometry, rows: Range<Int>,
                      into out: UnsafeMutablePointer<Float>) {
        let k = g.kernelH * g.kernelW * cg
        ParallelRows.run(rows.count, grain: max(1, 8192 / max(k, 1))) { part in
            for i in part {
                lowerRow(x, channels: channels, c0: c0, cg: cg, geometry: g,
                         row: rows.lowerBound + i, into: out + i * k)
            }
        }
    }

    @inline(__always)
    private static func lowerRow(_ x: UnsafePointer<Float>, channels c: Int, c0: Int, cg: Int,
                                 geometry g: WindowGeometry, row r: Int,
                                 into dst: UnsafeMutablePointer<Float>) {
        let p = g.outPixels
        let n = r / p, pix = r % p
        let oh = pix / g.outWidth, ow = pix % g.outWidth
        let iy0 = oh * g.strideH - g.pad.top
        let ix0 = ow * g.strideW - g.pad.left
        let image = x + n * g.inHeight * g.inWidth * c + c0
        let rowLen = g.kernelW * cg
        // A window row is one contiguous run of kw·C floats when it covers every channel,
        // is undilated and lies inside the image horizontally.
        let contiguous = cg == c && g.dilationW == 1 && ix0 >= 0 && ix0 + g.kernelW <= g.inWidth
        for ky in 0..<g.kernelH {
            let iy = iy0 + ky * g.dilationH
            let d = dst + ky * rowLen
            if iy < 0 || iy >= g.inHeight {
                d.update(repeating: 0, count: rowLen)
                continue
            }
            let line = image + iy * g.inWidth * c
            if contiguous {
                d.update(from: line + ix0 * c, count: rowLen)
                continue
            }
            for kx in 0..<g.kernelW {
                let ix = ix0 + kx * g.dilationW
                let dk = d + kx * cg
                if ix < 0 || ix >= g.inWidth {
                    dk.update(repeating: 0, count: cg)
                } else {
                    dk.update(from: line + ix * c, count: cg)
                }
            }
        }
    }
}
