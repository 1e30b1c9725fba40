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
        let w = PanelKernel.width
        for p in 0..<(og / w) {
            SplitGEMM.sgemm(m: m, n: w, k: k, a: a, lda: lda, b: wp + p * k * w, ldb: w, c: c + p * w, ldc: ldc)
        }
    }
}
