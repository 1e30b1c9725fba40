import ThawKernelsAVX2

/// The order of the AVX2 panel GEMM (`AVX2Kernels.panelGEMM`) for benchmarks and tests: row slabs across panels,
/// prefetch of the next row block's A and K blocks of 768 per 6-row block (on), or each panel over all rows, the whole
/// K per quarter, without prefetch (off, the order before). Neither changes a float. Not thread-safe: set between
/// forwards.
public enum PanelGEMMOrder {
    public static var slabsAndPrefetch: Bool {
        get { AVX2Kernels.panelPrefetchRows && AVX2Kernels.panelRowSlab != .max && AVX2Kernels.panelDepthBlock != .max }
        set {
            AVX2Kernels.panelPrefetchRows = newValue
            AVX2Kernels.panelRowSlab = newValue ? 0 : .max
            AVX2Kernels.panelDepthBlock = newValue ? 768 : .max
        }
    }
}
