import ThawKernelsAVX2
import ThawKernelsAVX512

/// Where the 4×4 output tiles of a Winograd F(4×4, 3×3) convolution lie, and the input and output transforms over a
/// run of consecutive tiles (single-threaded; callers split the tiles). Tiles are numbered row-major over images:
/// tile t is image t / perImage, tile row (t % perImage) / tilesW, tile column (t % perImage) % tilesW.
struct WinogradTileRuns {
    let geometry: WindowGeometry
    let inChannels: Int, outChannels: Int
    /// The AVX-512 transforms (16 channels per register); else the AVX2 ones (8).
    let wide: Bool
    let tilesW: Int, perImage: Int, total: Int

    init(batch n: Int, geometry geo: WindowGeometry, inChannels cin: Int, outChannels cout: Int, wide: Bool) {
        geometry = geo
        inChannels = cin
        outChannels = cout
        self.wide = wide
        tilesW = (geo.outWidth + 3) / 4
        perImage = ((geo.outHeight + 3) / 4) * tilesW
        total = n * perImage
    }

    /// V rows for `tiles`: tile t's position ξ lands at `v + (t − tiles.lowerBound)·Cin + ξ·positionStride`, [Cin] each.
    func input(_ tiles: Range<Int>, of x: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>, positionStride: Int) {
        let geo = geometry, cin = inChannels, h = geo.inHeight, w = geo.inWidth
        let positions = WinogradF43.positions
        if wide {
            withUnsafeTemporaryAllocation(of: AVX512WinogradTiles.F16.self, capacity: positions) { scratch in
                for t in tiles {
                    let image = t / perImage, r = t % perImage
                    AVX512WinogradTiles.inputTile(x + image * h * w * cin, height: h, width: w, channels: cin,
                                                  y0: (r / tilesW) * 4 - geo.pad.top, x0: (r % tilesW) * 4 - geo.pad.left,
                                                  into: v + (t - tiles.lowerBound) * cin, positionStride: positionStride,
                                                  scratch: scratch.baseAddress!)
                }
            }
            return
        }
        withUnsafeTemporaryAllocation(of: WinogradTiles.F8.self, capacity: positions) { scratch in
            for t in tiles {
                let image = t / perImage, r = t % perImage
                WinogradTiles.inputTile(x + image * h * w * cin, height: h, width: w, channels: cin,
                                        y0: (r / tilesW) * 4 - geo.pad.top, x0: (r % tilesW) * 4 - geo.pad.left,
                                        into: v + (t - tiles.lowerBound) * cin, positionStride: positionStride,
                                        scratch: scratch.baseAddress!)
            }
        }
    }

    /// y tiles for `tiles` from M rows laid out as `input`'s V, + bias, clamped to [low, high]; only the output channels
    /// `slice` (all by default), whose M rows hold `slice.count` floats each.
    func output(_ tiles: Range<Int>, from m: UnsafePointer<Float>, positionStride: Int, slice: Range<Int>? = nil,
                bias: UnsafePointer<Float>?, low: Float, high: Float, into y: UnsafeMutablePointer<Float>) {
        let cout = outChannels, oh = geometry.outHeight, ow = geometry.outWidth
        let slice = slice ?? 0..<cout, width = slice.count
        let b = bias.map { $0 + slice.lowerBound }, out = y + slice.lowerBound
        if wide {
            withUnsafeTemporaryAllocation(of: AVX512WinogradTiles.F16.self, capacity: 24) { scratch in
                for t in tiles {
                    let image = t / perImage, r = t % perImage
                    AVX512WinogradTiles.outputTile(m + (t - tiles.lowerBound) * width, positionStride: positionStride,
                                                   channels: width, bias: b, clampLow: low, clampHigh: high,
                                                   into: out + image * oh * ow * cout, height: oh, width: ow,
                                                   y0: (r / tilesW) * 4, x0: (r % tilesW) * 4, pixelStride: cout,
                                                   scratch: scratch.baseAddress!)
                }
            }
            return
        }
        withUnsafeTemporaryAllocation(of: WinogradTiles.F8.self, capacity: 24) { scratch in
            for t in tiles {
                let image = t / perImage, r = t % perImage
                WinogradTiles.outputTile(m + (t - tiles.lowerBound) * width, positionStride: positionStride, channels: width,
                                         bias: b, clampLow: low, clampHigh: high, into: out + image * oh * ow * cout,
                                         height: oh, width: ow, y0: (r / tilesW) * 4, x0: (r % tilesW) * 4,
                                         pixelStride: cout, scratch: scratch.baseAddress!)
            }
        }
    }
}
