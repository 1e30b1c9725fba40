/// Depthwise rows on a slab of channels: the depthwise phase of `InvertedResidual.forwardChannelPhased`, where
/// each core convolves only the channels it expanded itself (no read from the other core's cache).
extension DepthwiseConv2D {
    /// True when `forwardRows(_:geometry:rows:channels:into:)` runs on this geometry: AVX-512 or AVX2+FMA
    /// (`VectorISA.packedKernels`), channels a multiple of 16, square 3×3/5×5 window at stride 1/2 along the width, no dilation.
    func runsSlabs(_ g: WindowGeometry) -> Bool {
        guard let build = VectorISA.packedBuild else { return false }
        return channels % 16 == 0 && g.kernelH == g.kernelW && g.dilationH == 1 && g.dilationW == 1
            && build.depthwiseSlabWindow(kernelW: g.kernelW, strideW: g.strideW)
    }

    /// Output rows `rows` of image 0 of `x` [·, W, C] (geometry `g`), channels `slab` only (bounds multiples
    /// of 16), into `out` [rows.count, OW, C] at those channels; other channels of `out` are not touched.
    /// The same floats as `forwardRows` on those channels. Needs `runsSlabs(g)`.
    func forwardRows(_ x: UnsafePointer<Float>, geometry g: WindowGeometry, rows: Range<Int>, channels slab: Range<Int>,
                     into out: UnsafeMutablePointer<Float>) {
        let c = channels, c0 = slab.lowerBound
        let (low, high) = activation.clampBounds
        guard let build = VectorISA.packedBuild else { preconditionFailure("forwardRows needs runsSlabs") }
        weight.withUnsafeBufferPointer { wb in
            accumulatorStart.withUnsafeBufferPointer { bb in
                for oh in rows {
                    let iy0 = oh * g.strideH - g.pad.top
                    let kyLo = max(0, -iy0), kyHi = min(g.kernelH, g.inHeight - iy0)   // taps inside the image
                    let o = out + (oh - rows.lowerBound) * g.outWidth * c + c0
                    build.depthwiseRowGroupSlab(
                        image: x + c0, inWidth: g.inWidth, channels: c, count: slab.count, weight: wb.baseAddress! + c0,
                        bias: bb.baseAddress! + c0, kernelW: g.kernelW, strideW: g.strideW, padLeft: g.pad.left, iy0: iy0,
                        kyLo: kyLo, kyHi: kyHi, outWidth: g.outWidth, low: low, high: high, out: o)
                }
            }
        }
    }
}
