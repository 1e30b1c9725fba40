import ThawKernelsAVX2

/// The order of the AVX2 panel GEMM (`AVX2Kernels.panelGEMM`) for benchmarks and tests: row slabs across panels and
/// prefetch of the next row block's A (on), or each panel over all rows without prefetch (off, the order before).
/// Neither changes a float. Not thread-safe: set between forwards.
public enum PanelGEMMOrder {
    public static var slabsAndPrefetch: Bool {
        get { AVX2Kernels.panelPrefetchRows && AVX2Kernels.panelRowSlab != .max }
        set {
            AVX2Kernels.panelPrefetchRows = newValue
            AVX2Kernels.panelRowSlab = newValue ? 0 : .max
        }
    }
}
