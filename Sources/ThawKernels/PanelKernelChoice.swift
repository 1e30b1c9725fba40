import ThawBLAS
import ThawKernelsAVX2
import ThawKernelsAVX512

/// The packed-panel convolution kernels of the engine this CPU runs (`VectorISA.packedKernels`): the AVX-512
/// build when `VectorISA.avx512`, else the AVX2+FMA one. Both take the same 64-column panels
/// (`AVX2Kernels.panelWidth == AVX512Kernels.panelWidth`) and give the same floats, so packing is shared.
enum PanelKernelChoice {
    /// Whether weights are packed into panels at load (`Conv2D.preparingPanels()`, Winograd U in panels): the
    /// CPU has AVX-512, or the AVX2 kernels are on. Read at load; the forwards without the panel kernel read
    /// the panels one sgemm per panel.
    static var packsPanels: Bool { CPUFeatures.current.hasAVX512 || VectorISA.avx2Kernels }

    /// `AVX512Kernels.panelGEMM` or `AVX2Kernels.panelGEMM`; the caller checked `VectorISA.packedKernels`.
    static func panelGEMM(rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>, panels: Range<Int>,
                          c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                          residual: UnsafePointer<Float>?, ldr: Int, low: Float, high: Float) {
        if VectorISA.avx512 {
            AVX512Kernels.panelGEMM(rows: rows, k: k, a: a, lda: lda, packed: packed, panels: panels, c: c, ldc: ldc, bias: bias,
                                    residual: residual, ldr: ldr, low: low, high: high)
        } else {
            AVX2Kernels.panelGEMM(rows: rows, k: k, a: a, lda: lda, packed: packed, panels: panels, c: c, ldc: ldc, bias: bias,
                                  residual: residual, ldr: ldr, low: low, high: high)
        }
    }

    /// `AVX512Kernels.windowPanelGEMM` or `AVX2Kernels.windowPanelGEMM`; the caller checked `VectorISA.packedKernels`.
    static func windowPanelGEMM(rows: Int, rowOffsets: UnsafePointer<Int32>, a: UnsafePointer<Float>, segments: Int,
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
                                        segmentPasses: ConvTiles.windowPasses)
        }
    }
}
