import ThawBLAS

extension Conv2D {
    /// Whether this convolution's GEMM runs on the panel kernel (`AVX512Kernels.panelGEMM`, or the AVX2 build
    /// without AVX-512: `PanelKernel`): it holds packed panels, `VectorISA.packedKernels` and
    /// `ConvTiles.panelKernel` allow it.
    var runsPanelKernel: Bool { panelWeight != nil && VectorISA.packedKernels && ConvTiles.panelKernel }

    /// This convolution with its GEMM weight [K, Cout] repacked once into 64-column panels
    /// [Cout/64][K][64] for the panel kernel (AVX-512 or AVX2 build); `weight` is emptied (the panels hold the same
    /// floats; the OpenBLAS paths read them one panel at a time, ldb = 64). For frozen inference only
    /// (backward passes read `weight`); a Winograd filter, computed or deferred, reads the panels. Unchanged unless the CPU has
    /// AVX-512 or the AVX2 kernels are on (`PanelKernel.packsPanels`), the convolution is ungrouped with Cout a multiple of 64, and it is 1×1 or has a patch
    /// over 32 floats (smaller ones run the small-input kernel on `weight`) — every ResNet convolution.
    public func preparingPanels() -> Conv2D {
        let s = shape, w = PanelKernel.width
        guard s.groups == 1, s.outChannels % w == 0, s.isPointwise || s.patchSize > 32, PanelKernel.packsPanels else {
            return self
        }
        let k = s.patchSize, n = s.outChannels
        var packed = [Float](repeating: 0, count: k * n)
        for p in 0..<(n / w) {
            for row in 0..<k {
                for j in 0..<w { packed[(p * k + row) * w + j] = weight[row * n + p * w + j] }
            }
        }
        var prepared = self
        // Strips where every reader takes them: the panel GEMM (and its OpenBLAS fallbacks, `forEachPanelPart`) for
        // 1×1 stride 1; with `windowsAtLoad` the others too — the window kernel reads them in place, Winograd's
        // filter transform from panels rebuilt once (`computeWinogradFilter`).
        if (s.isPointwise || PanelStrips.windowsAtLoad) && PanelStrips.packs {
            PanelStrips.restripe(&packed, k: k)
            prepared.panelWeightInStrips = true
        }
        prepared.panelWeight = packed
        prepared.weight = []
        return prepared
    }

    /// C [m, Cout/G] = A [m, K] · this group's weights at `wp` (`weight`, or the panels), through
    /// `SplitGEMM`; panels take one GEMM per 64 columns (ldb = 64). For the plain (untiled) path.
    func weightGEMM(m: Int, a: UnsafePointer<Float>, lda: Int, weight wp: UnsafePointer<Float>,
                    c: UnsafeMutablePointer<Float>, ldc: Int) {
        let k = shape.patchSize, og = shape.outPerGroup
        guard panelWeight != nil else {
            SplitGEMM.sgemm(m: m, n: og, k: k, a: a, lda: lda, b: wp, ldb: og, c: c, ldc: ldc)
            return
        }
        for p in 0..<(og / PanelKernel.width) {
            forEachPanelPart(p, weight: wp) { b, ldb, col, n in
                SplitGEMM.sgemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c + col, ldc: ldc)
            }
        }
    }

    /// Panel `p` of the packed weight at `wp` as GEMM operands for OpenBLAS: `body(b, ldb, first column, columns)`
    /// once with the panel [K][64] (ldb 64), or four times with its strips [K][16] (ldb 16) when `panelWeightInStrips`.
    func forEachPanelPart(_ p: Int, weight wp: UnsafePointer<Float>,
                          _ body: (UnsafePointer<Float>, Int, Int, Int) -> Void) {
        let k = shape.patchSize, w = PanelKernel.width, panel = wp + p * k * w
        guard panelWeightInStrips else { body(panel, w, p * w, w); return }
        let q = w / 4
        for i in 0..<4 { body(panel + i * k * q, q, p * w + i * q, q) }
    }
}
