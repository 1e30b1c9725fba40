import ThawBLAS
import ThawKernelsAVX2
import ThawKernelsAVX512

/// The packed-panel kernels of the build this CPU runs (`VectorISA.packedBuild`: AVX-512, else AVX2+FMA). Both
/// take the same [N/64][K][64] panels and do the same arithmetic lane for lane, so packing and results do not
/// depend on the build. Callers check `VectorISA.packedKernels` first.
enum PanelKernel {
    /// Columns per packed panel (`PackedKernelBuild.panelWidth`, 64 in both builds).
    static let width = AVX512Kernels.panelWidth

    /// C = clamp(A · B + bias + residual, low, high) over `panels` (see `AVX512Kernels.panelGEMM`); with `gelu` (strips
    /// only), GELU on each block of rows right after its sums (`AVX2Kernels.panelGEMM`). `inStrips`: the
    /// weights were packed in the AVX2 build's strip layout (`PanelStrips`), which only `AVX2Kernels.panelGEMM` reads —
    /// called by name (the AVX-512 build has no strip layout; on such a CPU it gives the same floats).
    @inline(__always)
    static func gemm(rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>, panels: Range<Int>,
                     c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?,
                     ldr: Int, low: Float, high: Float, kBlock: Int = .max, inStrips: Bool = false, gelu: Bool = false) {
        if inStrips {
            precondition(CPUFeatures.current.hasAVX2FMA, "PanelKernel.gemm: weights in strips need AVX2+FMA")
            AVX2Kernels.panelGEMM(rows: rows, k: k, a: a, lda: lda, packed: packed, panels: panels, c: c, ldc: ldc, bias: bias,
                                  residual: residual, ldr: ldr, low: low, high: high, kBlock: kBlock, inStrips: true,
                                  gelu: gelu)
            return
        }
        precondition(!gelu, "PanelKernel.gemm: GELU inside the GEMM only on weights in strips (the AVX2 build)")
        guard let build = VectorISA.packedBuild else { preconditionFailure("PanelKernel.gemm needs VectorISA.packedKernels") }
        build.panelGEMM(rows: rows, k: k, a: a, lda: lda, packed: packed, panels: panels, c: c, ldc: ldc, bias: bias,
                        residual: residual, ldr: ldr, low: low, high: high, kBlock: kBlock)
    }

    /// Whether convolution weights are packed into panels at load (`Conv2D.preparingPanels()`, Winograd U in panels):
    /// the CPU has AVX-512, or the AVX2 kernels are on. Read at load; forwards without the panel kernel read the
    /// panels one sgemm per panel.
    static var packsPanels: Bool { CPUFeatures.current.hasAVX512 || VectorISA.avx2Kernels }

    /// C = clamp(windows of the map · B + bias + residual, low, high) over `panels` (see
    /// `AVX512Kernels.windowPanelGEMM`); the AVX2 build sums one window row per pass when `ConvTiles.windowPasses`, or
    /// runs quarters over all rows in groups of window rows with `ConvTiles.windowQuarterBlockFloats`.
    /// Named per build here, not through `PackedKernelBuild`: the passes and quarter blocks are AVX2 only.
    @inline(__always)
    static func windowGEMM(rows: Int, rowOffsets: UnsafePointer<Int32>, a: UnsafePointer<Float>, segments: Int,
                           segmentK: Int, segmentStride: Int, packed: UnsafePointer<Float>, panels: Range<Int>,
                           c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                           residual: UnsafePointer<Float>?, ldr: Int, low: Float, high: Float) {
        if VectorISA.avx512 {
            AVX512Kernels.windowPanelGEMM(rows: rows, rowOffsets: rowOffsets, a: a, segments: segments, segmentK: segmentK,
                                          segmentStride: segmentStride, packed: packed, panels: panels, c: c, ldc: ldc,
                                          bias: bias, residual: residual, ldr: ldr, low: low, high: high)
        } else {
            AVX2Kernels.windowPanelGEMM(rows: rows, rowOffsets: rowOffsets, a: a, segments: segments, segmentK: segmentK,
                                        segmentStride: segmentStride, packed: packed, panels: panels, c: c, ldc: ldc,
                                        bias: bias, residual: residual, ldr: ldr, low: low, high: high,
                                        segmentPasses: ConvTiles.windowPasses,
                                        quarterBlockFloats: ConvTiles.windowQuarterBlockFloats,
                                        quarterBlockRows: ConvTiles.windowQuarterBlockRows)
        }
    }

    /// GELU (erf form) over one row segment in place, on the calling thread.
    @inline(__always)
    static func gelu(_ row: UnsafeMutablePointer<Float>, count: Int) {
        guard let build = VectorISA.packedBuild else { preconditionFailure("PanelKernel.gelu needs VectorISA.packedKernels") }
        build.gelu(x: row, count: count, y: row)
    }
}
