import ThawBLAS
import ThawKernelsAVX512

extension Conv2D {
    /// Whether this convolution's GEMM runs on the AVX-512 panel kernel (`AVX512Kernels.panelGEMM`): it
    /// holds packed panels, the CPU has AVX-512 and `ConvTiles.panelKernel` allows it.
    var runsPanelKernel: Bool { panelWeight != nil && VectorISA.avx512 && ConvTiles.panelKernel }

    /// This convolution with its GEMM weight [K, Cout] also packed once into 64-column panels
    /// [Cout/64][K][64] for the AVX-512 panel kernel (frozen weights; ungrouped, Cout a multiple of 64 —
    /// every ResNet convolution but none of other shapes is changed). Costs one more copy of the weights.
    public func preparingPanels() -> Conv2D {
        let s = shape, w = AVX512Kernels.panelWidth
        guard s.groups == 1, s.outChannels % w == 0, CPUFeatures.current.hasAVX512 else { return self }
        let k = s.patchSize, n = s.outChannels
        var packed = [Float](repeating: 0, count: k * n)
        for p in 0..<(n / w) {
            for row in 0..<k {
                for j in 0..<w { packed[(p * k + row) * w + j] = weight[row * n + p * w + j] }
            }
        }
        var prepared = self
        prepared.panelWeight = packed
        return prepared
    }
}
