/// The packed kernels that every vector build of Thaw provides with one signature: ThawKernelsAVX512's
/// `AVX512Kernels` (SIMD16<Float>, one zmm) and ThawKernelsAVX2's `AVX2Kernels` (SIMD8<Float>, one ymm). Both do
/// the same arithmetic lane for lane and read the same packed layouts, so ThawKernels picks a build once per call
/// (`VectorISA.packedBuild`) and writes each call site a single time; a build whose signature drifts fails to
/// compile here instead of at a call site.
///
/// Pitfall: a build's code may only run on a CPU with its instructions (illegal instruction otherwise): take the
/// build from `VectorISA.packedBuild`, never name one directly outside tests. Calls go through the protocol's
/// witness table (one indirect call per row block or panel, not per element), so no AVX code is inlined into the
/// baseline modules. Kernels one build lacks (the AVX-512 Winograd tiles, the AVX2 window passes) stay outside.
public protocol PackedKernelBuild {
    /// Columns per packed weight panel of `panelGEMM`: 64 in both builds.
    static var panelWidth: Int { get }

    // MARK: Epilogues
    /// y = clamp(y + x, low, high) over `count` values.
    static func addClamp(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int, low: Float, high: Float)
    /// Rows of y [rows, ldy]: y = clamp(y + bias, low, high) over the first `channels` columns (bias optional).
    static func biasClampRows(_ y: UnsafeMutablePointer<Float>, rows: Int, channels c: Int, ldy: Int, bias: UnsafePointer<Float>?,
                              low: Float, high: Float)
    /// Rows of y: y = clamp(y + bias + residual, low, high) (residual [rows, ldr]).
    static func biasResidualClampRows(_ y: UnsafeMutablePointer<Float>, rows: Int, cols c: Int, ldy: Int, bias: UnsafePointer<Float>?,
                                      residual: UnsafePointer<Float>, ldr: Int, low: Float, high: Float)
    /// GELU (erf form) over `count` values; y may be x.
    static func gelu(x: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>)

    // MARK: GEMMs
    /// C = clamp(A · B + bias + residual, low, high) over 64-column panels of B packed [N/64][K][64]; with K > kBlock,
    /// K summed in passes onto C (no clamp then).
    static func panelGEMM(rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>, panels: Range<Int>,
                          c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?,
                          ldr: Int, low: Float, high: Float, kBlock: Int)
    /// 1×1 convolution rows: y = clamp(a · W + bias + residual, low, high), W packed [P][K][32] (`PackedPointwise`).
    static func pointwiseRows(a: UnsafePointer<Float>, lda: Int, rows: Int, k: Int, packed: UnsafePointer<Float>, n: Int,
                              panels: Range<Int>, bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?, ldr: Int,
                              low: Float, high: Float, y: UnsafeMutablePointer<Float>, ldy: Int)
    /// y[r] = W[r] · x + bias[r] for r in `rows` (W [N, k] row-major): the classifier of a batch-1 forward.
    static func matVecRows(w: UnsafePointer<Float>, x: UnsafePointer<Float>, k: Int, bias: UnsafePointer<Float>, rows: Range<Int>,
                           y: UnsafeMutablePointer<Float>)
    /// dW[channels, panels] += xᵀ · dy over `pixels` rows (the 1×1 weight gradient).
    static func weightGradient(x: UnsafePointer<Float>, ldx: Int, dy: UnsafePointer<Float>, ldy: Int, pixels: Int,
                               channels: Range<Int>, panels: Range<Int>, dw: UnsafeMutablePointer<Float>, ldw: Int)

    // MARK: Depthwise and stem rows
    /// One output row of a depthwise convolution, all channels, + bias, clamp.
    static func depthwiseRow(image: UnsafePointer<Float>, inWidth: Int, channels c: Int, weight: UnsafePointer<Float>,
                             bias: UnsafePointer<Float>, kernelW: Int, strideW: Int, padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int,
                             outWidth: Int, low: Float, high: Float, out: UnsafeMutablePointer<Float>)
    /// `depthwiseRow` by channel groups (one group's taps in registers across the row).
    static func depthwiseRowGroups(image: UnsafePointer<Float>, inWidth: Int, channels c: Int, weight: UnsafePointer<Float>,
                                   bias: UnsafePointer<Float>, kernelW: Int, strideW: Int, padLeft: Int, iy0: Int, kyLo: Int,
                                   kyHi: Int, outWidth: Int, low: Float, high: Float, out: UnsafeMutablePointer<Float>)
    /// `depthwiseRowGroups` over a slab of `count` channels of a map with `channels` channels.
    static func depthwiseRowGroupSlab(image: UnsafePointer<Float>, inWidth: Int, channels c: Int, count: Int,
                                      weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, kernelW: Int, strideW: Int,
                                      padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int, outWidth: Int, low: Float, high: Float,
                                      out: UnsafeMutablePointer<Float>)
    /// One output row of a dense convolution with a small input patch (network stems), + bias, clamp.
    static func smallInputConvRow(image: UnsafePointer<Float>, inWidth: Int, inChannels cin: Int, outChannels cout: Int,
                                  weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, kernelW: Int, strideW: Int,
                                  padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int, outWidth: Int, low: Float, high: Float,
                                  out: UnsafeMutablePointer<Float>)

    // MARK: Training
    /// BatchNorm + activation backward, first pass over a block of rows: per-channel sums of g and g·x̂.
    static func batchNormBackwardSums(x: UnsafePointer<Float>, y: UnsafePointer<Float>?, high: Float, dy: UnsafePointer<Float>,
                                      rows: Int, channels c: Int, mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                                      outScale: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                                      sumG: UnsafeMutablePointer<Float>, sumGX: UnsafeMutablePointer<Float>)
    /// BatchNorm backward, second pass, in place: g = k·g − a − b·(x − mean)·invstd per channel.
    static func batchNormBackwardFinish(x: UnsafePointer<Float>, g: UnsafeMutablePointer<Float>, rows: Int, channels c: Int,
                                        mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>, k: UnsafePointer<Float>,
                                        a: UnsafePointer<Float>, b: UnsafePointer<Float>)
    /// Depthwise backward for one output row: dx (optional) and dW from the row's gradient g.
    static func depthwiseBackwardRow(image x: UnsafePointer<Float>, dImage dx: UnsafeMutablePointer<Float>?, inHeight: Int,
                                     inWidth: Int, channels c: Int, chLo: Int, chHi: Int, g: UnsafePointer<Float>,
                                     weight: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>, kernelH: Int, kernelW: Int,
                                     strideW: Int, padLeft: Int, iy0: Int, outWidth ow: Int)
    /// Floats of one padded plane of the depthwise backward block kernel.
    static func depthwiseBlockPlaneFloats(height h: Int, width w: Int, kernelH kh: Int, kernelW kw: Int) -> Int
    /// Depthwise backward over a group of channels of whole maps (stride 1), blocks of 7 columns.
    static func depthwiseBackwardGroup(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, channels c: Int, blocks: Int,
                                       height h: Int, width w: Int, kernelH kh: Int, kernelW kw: Int, padTop top: Int,
                                       padLeft left: Int, gpad: UnsafeMutablePointer<Float>, xpad: UnsafeMutablePointer<Float>,
                                       weight: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                                       dBias: UnsafeMutablePointer<Float>?, dx: UnsafeMutablePointer<Float>?,
                                       dxPlanes: UnsafeMutablePointer<Float>, strip: UnsafeMutablePointer<Float>)
}

extension PackedKernelBuild {
    /// True when `depthwiseRowGroupSlab` runs this window: 3×3 or 5×5, stride 1 or 2 (both builds).
    public static func depthwiseSlabWindow(kernelW: Int, strideW: Int) -> Bool {
        (kernelW == 3 || kernelW == 5) && (strideW == 1 || strideW == 2)
    }

    /// `panelGEMM` over the whole K in one pass.
    @inline(__always)
    public static func panelGEMM(rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>, panels: Range<Int>,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?,
                                 ldr: Int, low: Float, high: Float) {
        panelGEMM(rows: rows, k: k, a: a, lda: lda, packed: packed, panels: panels, c: c, ldc: ldc, bias: bias,
                  residual: residual, ldr: ldr, low: low, high: high, kBlock: .max)
    }
}
