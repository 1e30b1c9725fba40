/// The AVX2 build's layout of weights packed at load: each 64-column panel [K][64] laid out as its four 16-column
/// strips [4][K][16] (still K × 64 contiguous floats per panel; only the order inside changes), which
/// `AVX2Kernels.panelGEMM(…inStrips: true)` reads in place — 64 bytes per k in order for each quarter, where the
/// panel gives a new cache line per k at a stride of 256 bytes, and no per-call copy into strips
/// (`AVX2Kernels.panelStripRows`). The same floats: the same weights in the same chains.
///
/// Who packs strips: `Conv2D.preparingPanels()` for 1×1 stride-1 convolutions and (`windowsAtLoad`) the others,
/// which the window kernel reads in place (`AVX2Kernels.windowPanelGEMM(…packedInStrips: true)`; Winograd turns
/// them back into panels once for its filter transform), `PanelLinear`, `TrainingPointwise`. Each records its
/// layout and passes it to `PanelKernel.gemm`; the OpenBLAS fallbacks read a strip as a 16-column GEMM (ldb 16).
/// The AVX-512 build keeps [K][64] panels.
public enum PanelStrips {
    /// Whether weights packed on a CPU that runs the AVX2 kernels (no AVX-512) take the strip layout (true, default);
    /// false: [K][64] panels, each call of ≥ `AVX2Kernels.panelStripRows` rows copying them into strips. Read when
    /// weights are packed (model load, `TrainingPointwise.prepare`).
    nonisolated(unsafe) public static var atLoad = true

    /// Whether `Conv2D.preparingPanels()` lays out the convolutions other than 1×1 stride 1 (those the window kernel
    /// runs: ResNet's stem, 3×3 and 1×1 downsamples) as strips too (true, default; with `atLoad`), which the window
    /// kernel then reads in place instead of copying the panels into strips per call (`ConvTiles.windowSharedStrips`);
    /// false: [K][64] panels. The same floats either way. Read when weights are packed.
    nonisolated(unsafe) public static var windowsAtLoad = true

    /// Whether weights packed now take the strip layout.
    public static var packs: Bool { atLoad && !VectorISA.avx512 && VectorISA.avx2Kernels }

    /// Floats between a panel's 16-column quarters and between its rows: (16, 64) in [K][64], (16·K, 16) in strips;
    /// column c of row i of a panel lies at c/16 · quarter + i · row + c % 16.
    @inline(__always)
    public static func layout(k: Int, strips: Bool) -> (quarter: Int, row: Int) { strips ? (16 * k, 16) : (16, 64) }

    /// Lays each of the `panels` panels [K][64] at `packed` out as [4][K][16], in place (one panel of scratch).
    public static func restripe(_ packed: UnsafeMutablePointer<Float>, k: Int, panels: Int) {
        let width = PanelKernel.width, quarter = width / 4
        let panel = UnsafeMutablePointer<Float>.allocate(capacity: k * width)
        defer { panel.deallocate() }
        for p in 0..<panels {
            let base = packed + p * k * width
            panel.update(from: base, count: k * width)
            for q in 0..<4 {
                for i in 0..<k { (base + (q * k + i) * quarter).update(from: panel + i * width + q * quarter, count: quarter) }
            }
        }
    }

    /// The panels [N/64][K][64] of strips [N/64][4][K][16] (`restripe` undone), as a new array.
    public static func panels(ofStrips strips: [Float], k: Int) -> [Float] {
        let width = PanelKernel.width, quarter = width / 4
        var out = [Float](repeating: 0, count: strips.count)
        for p in 0..<(strips.count / max(1, k * width)) {
            let base = p * k * width
            for q in 0..<4 {
                for i in 0..<k {
                    for j in 0..<quarter { out[base + i * width + q * quarter + j] = strips[base + (q * k + i) * quarter + j] }
                }
            }
        }
        return out
    }

    /// `restripe` on a whole array of panels (count = panels × K × 64).
    public static func restripe(_ packed: inout [Float], k: Int) {
        let panels = packed.count / max(1, k * PanelKernel.width)
        packed.withUnsafeMutableBufferPointer { restripe($0.baseAddress!, k: k, panels: panels) }
    }
}
