import Dispatch
import Foundation
import ThawKernelsAVX2

extension Conv2D {
    /// Whether a tiled forward reads its windows straight from the map (`AVX512Kernels.windowPanelGEMM` or its AVX2 build) instead
    /// of lowering them into im2col rows first: on the panel kernel (`runsPanelKernel`), not 1×1 stride 1 (that
    /// one reads the map as it is already), undilated, and `ConvTiles.directWindows` on. In ResNet: the 7×7
    /// stem, the stride-2 3×3 and 1×1 (downsample) convolutions, and the 3×3 stride-1 ones Winograd leaves.
    var runsWindowKernel: Bool {
        let s = shape
        return runsPanelKernel && ConvTiles.directWindows && !s.isPointwise && s.dilationH == 1 && s.dilationW == 1
    }

    /// Whether one (padded) image of this geometry has offsets within Int32, as the window kernel reads them.
    func windowsFit(_ g: WindowGeometry) -> Bool {
        (g.inHeight + g.pad.top + g.pad.bottom) * (g.inWidth + g.pad.left + g.pad.right) * shape.inChannels <= Int(Int32.max)
    }

    /// The tiled GEMM with A read as windows of the map. Padded convolutions first copy a chunk of images into a
    /// zero-bordered map (at most 4 × `workspace.im2colBudget` floats, at least one image: the copy is the size of
    /// the input, where im2col writes kh·kw/(sh·sw) times as much); unpadded ones read `x` itself. Output rows of a
    /// chunk are cut into `ConvTiles` tiles over the cores, the epilogue (bias, residual, clamp) in the kernel. On the
    /// AVX2 build with several row tiles or chunks (`ConvTiles.windowSharedStrips`), the weights are first cut into
    /// strips once for all tiles — unless they were laid out as strips at load (`panelWeightInStrips`), which every
    /// tile then reads in place.
    func forwardWindowTiles(_ x: UnsafePointer<Float>, batch n: Int, geometry g: WindowGeometry, weight wp: UnsafePointer<Float>,
                            bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, low: Float, high: Float,
                            into y: UnsafeMutablePointer<Float>, workspace: Workspace) {
        let s = shape, cin = s.inChannels, cout = s.outChannels, width = PanelKernel.width
        let pad = g.pad
        let padded = pad.top != 0 || pad.bottom != 0 || pad.left != 0 || pad.right != 0
        let hp = g.inHeight + pad.top + pad.bottom, wpad = g.inWidth + pad.left + pad.right
        let imageFloats = hp * wpad * cin                  // one (padded) image [Hp, Wp, Cin]
        let perImage = g.outPixels
        // Images per chunk: the padded copy within its budget; offsets within Int32 either way.
        let fit = padded ? 4 * workspace.im2colBudget / imageFloats : Int(Int32.max) / imageFloats
        let images = max(1, min(n, fit))                    // the caller checked `windowsFit`
        let map = padded ? workspace.take(images * imageFloats) : nil       // [images, Hp, Wp, Cin]
        // Row r of a chunk (image, oh, ow) starts at offsets[r] in the chunk's map; the same for every chunk.
        let offsetFloats = workspace.take(images * perImage)               // Int32 [images · OH · OW], in Float storage
        offsetFloats.withMemoryRebound(to: Int32.self, capacity: images * perImage) { offsets in
            for r in 0..<(images * perImage) {
                let image = r / perImage, pixel = r % perImage
                let oh = pixel / g.outWidth, ow = pixel % g.outWidth
                offsets[r] = Int32(((image * hp + oh * g.strideH) * wpad + ow * g.strideW) * cin)
            }
            let cores = ParallelRows.cores
            // AVX2 only (the AVX-512 build reads its panels in place): a grid of several row tiles would have each tile
            // copy its panels into strips; instead the layer's weights are cut into strips once, over the cores.
            let panelCount = (cout + width - 1) / width
            let firstGrid = ConvTiles.grid(m: min(images, n) * perImage, n: cout, cores: cores, align: width)
            var strips: UnsafePointer<Float>? = nil
            // With `ConvTiles.windowCopiesTogether`, the first chunk's padded copy runs in the strips' region (one
            // parallel region instead of two): rows of the map in `mapParts` parts, then one iteration per panel.
            let together = ConvTiles.windowCopiesTogether && map != nil
            var firstMapCopied = false
            if panelWeightInStrips {         // AVX2 only: strips packed at load, read in place (no copy, no region)
                strips = wp
            } else if ConvTiles.windowSharedStrips && ConvTiles.windowStrips && !ConvTiles.windowPasses && VectorISA.avx2Kernels
                && !VectorISA.avx512 && (firstGrid.rowTiles > 1 || n > images) {
                let shared = workspace.take(panelCount * s.kernelH * s.kernelW * cin * width)
                let mapRows = min(images, n) * hp, mapParts = together ? min(mapRows, 2 * cores) : 0
                WorkerTeam.run(iterations: mapParts + panelCount) { i in
                    if i < mapParts, let map {
                        copyPaddedRows(x, rows: (mapRows * i / mapParts)..<(mapRows * (i + 1) / mapParts), geometry: g, into: map)
                        return
                    }
                    let p = i - mapParts
                    AVX2Kernels.windowStripsOf(packed: wp, k: s.kernelH * s.kernelW * cin, panels: p..<(p + 1),
                                               into: shared + p * s.kernelH * s.kernelW * cin * width)
                }
                strips = UnsafePointer(shared)
                firstMapCopied = mapParts > 0
            }
            var n0 = 0
            while n0 < n {
                let count = min(images, n - n0)
                let a: UnsafePointer<Float>
                if let map {
                    if !(n0 == 0 && firstMapCopied) {
                        copyPadded(x + n0 * g.inHeight * g.inWidth * cin, images: count, geometry: g, into: map)
                    }
                    a = UnsafePointer(map)
                } else {
                    a = x + n0 * g.inHeight * g.inWidth * cin
                }
                let r0 = n0 * perImage
                let grid = ConvTiles.grid(m: count * perImage, n: cout, cores: cores, align: width)
                let trace = ConvTiles.windowTileTrace, regionStart = trace == nil ? 0 : DispatchTime.now().uptimeNanoseconds
                WorkerTeam.run(iterations: grid.count, fromBothEnds: ConvTiles.claimsFromBothEnds) { t in
                    let rr = grid.rows(t), cc = grid.columns(t)
                    if rr.isEmpty || cc.isEmpty { return }
                    let start = trace == nil ? 0 : DispatchTime.now().uptimeNanoseconds
                    defer {
                        if let trace {
                            trace(WindowTileEvent(rows: count * perImage, columns: cout, k: s.kernelH * s.kernelW * cin,
                                                  regionStart: regionStart, tile: t, thread: UInt(pthread_self()),
                                                  start: start, end: DispatchTime.now().uptimeNanoseconds))
                        }
                    }
                    if let strips {         // AVX2 only (see above): the kernel with the layer's strips
                        AVX2Kernels.windowPanelGEMM(rows: rr.count, rowOffsets: offsets + rr.lowerBound, a: a, segments: s.kernelH,
                                                    segmentK: s.kernelW * cin, segmentStride: wpad * cin, packed: wp,
                                                    panels: (cc.lowerBound / width)..<(cc.upperBound / width),
                                                    c: y + (r0 + rr.lowerBound) * cout, ldc: cout, bias: bias,
                                                    residual: residual.map { $0 + (r0 + rr.lowerBound) * cout }, ldr: cout,
                                                    low: low, high: high, quarterBlockFloats: ConvTiles.windowQuarterBlockFloats,
                                                    quarterBlockRows: ConvTiles.windowQuarterBlockRows, strips: strips,
                                                    packedInStrips: panelWeightInStrips)
                        return
                    }
                    PanelKernel.windowGEMM(rows: rr.count, rowOffsets: offsets + rr.lowerBound, a: a, segments: s.kernelH,
                                           segmentK: s.kernelW * cin, segmentStride: wpad * cin, packed: wp,
                                           panels: (cc.lowerBound / width)..<(cc.upperBound / width),
                                           c: y + (r0 + rr.lowerBound) * cout, ldc: cout, bias: bias,
                                           residual: residual.map { $0 + (r0 + rr.lowerBound) * cout }, ldr: cout,
                                           low: low, high: high)
                }
                n0 += count
            }
        }
    }

    /// map [images, Hp, Wp, C] = x [images, H, W, C] with zero borders (`g.pad`), rows over the cores.
    private func copyPadded(_ x: UnsafePointer<Float>, images: Int, geometry g: WindowGeometry, into map: UnsafeMutablePointer<Float>) {
        let c = shape.inChannels, pad = g.pad
        let hp = g.inHeight + pad.top + pad.bottom, wpad = g.inWidth + pad.left + pad.right
        ParallelRows.run(images * hp, grain: max(1, 16384 / (wpad * c))) { part in
            copyPaddedRows(x, rows: part, geometry: g, into: map)
        }
    }

    /// Rows `rows` (over images × Hp) of `copyPadded`'s map, on the calling thread.
    private func copyPaddedRows(_ x: UnsafePointer<Float>, rows: Range<Int>, geometry g: WindowGeometry, into map: UnsafeMutablePointer<Float>) {
        let c = shape.inChannels, pad = g.pad
        let hp = g.inHeight + pad.top + pad.bottom, wpad = g.inWidth + pad.left + pad.right
        for row in rows {
            let image = row / hp, py = row % hp, iy = py - pad.top
            let dst = map + row * wpad * c
            guard iy >= 0 && iy < g.inHeight else {
                dst.update(repeating: 0, count: wpad * c)
                continue
            }
            dst.update(repeating: 0, count: pad.left * c)
            (dst + pad.left * c).update(from: x + (image * g.inHeight + iy) * g.inWidth * c, count: g.inWidth * c)
            (dst + (pad.left + g.inWidth) * c).update(repeating: 0, count: pad.right * c)
        }
    }
}
