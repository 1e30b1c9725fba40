import ThawKernelsAVX2

/// The order of the AVX2 panel GEMM (`AVX2Kernels.panelGEMM`) for benchmarks: none of these orders changes a float.
/// Not thread-safe: set between forwards.
public enum PanelGEMMOrder {
    /// 0: each panel over all rows, the whole K per quarter, no prefetch (the order before K blocks);
    /// 1: K blocks of at most 1024 per 6-row block (the default);
    /// 2: also row slabs across panels and prefetch of the next row block's A (`AVX2Kernels.panelRowSlab` 0,
    ///    `panelPrefetchRows`), off by default: no faster on the callers' tiles.
    public static var mode: Int {
        get { AVX2Kernels.panelDepthBlock == .max ? 0 : AVX2Kernels.panelPrefetchRows ? 2 : 1 }
        set {
            AVX2Kernels.panelDepthBlock = newValue == 0 ? .max : 1024
            AVX2Kernels.panelRowSlab = newValue == 2 ? 0 : .max
            AVX2Kernels.panelPrefetchRows = newValue == 2
        }
    }

    /// The AVX2 panel GEMM's leftover single rows as one row × 64 columns (true, the default) or by quarters
    /// (`AVX2Kernels.panelWideRow`; the same floats).
    public static var wideRow: Bool {
        get { AVX2Kernels.panelWideRow }
        set { AVX2Kernels.panelWideRow = newValue }
    }

    /// The AVX2 panel GEMM copies each panel into contiguous 16-column strips for calls of at least this many rows
    /// (`AVX2Kernels.panelStripRows`; 0 or `.max`: never; the same floats).
    public static var stripRows: Int {
        get { AVX2Kernels.panelStripRows }
        set { AVX2Kernels.panelStripRows = newValue == 0 ? .max : newValue }
    }

    /// The AVX2 panel GEMM's block epilogues inlined (true, the default) or one call per row
    /// (`AVX2Kernels.panelInlineEnds`; the same floats).
    public static var inlineEnds: Bool {
        get { AVX2Kernels.panelInlineEnds }
        set { AVX2Kernels.panelInlineEnds = newValue }
    }

    /// The AVX2 panel GEMM's rows per slab across panels (`AVX2Kernels.panelRowSlab`; 0: each panel over all rows, the
    /// default; the same floats).
    public static var rowSlab: Int {
        get { AVX2Kernels.panelRowSlab == .max ? 0 : AVX2Kernels.panelRowSlab }
        set { AVX2Kernels.panelRowSlab = newValue <= 0 ? .max : max(6, newValue) }
    }
}
