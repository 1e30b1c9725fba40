import ThawKernelsAVX512

extension Linear {
    /// y [out] = W · x [in] + b for one input vector on all cores (rows of W split in contiguous parts), by
    /// `AVX512Kernels.matVecRows`; false (nothing written) without AVX-512: the caller then runs `forward`.
    /// For the classifier of a network at batch 1, where OpenBLAS's sgemm packs all of W per call (1,000 × 1,280
    /// for EfficientNet-Lite0 and MobileNetV2). Summed in another order than sgemm: float rounding only.
    public static func forwardVector(_ p: LinearParameters, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) -> Bool {
        guard VectorISA.avx512 else { return false }
        let n = p.outFeatures, k = p.inFeatures
        p.weight.withUnsafeBufferPointer { w in
            p.bias.withUnsafeBufferPointer { b in
                // ≥ 64 rows per part: a part is ≥ 64·k multiply-adds, worth a task.
                ParallelRows.run(n, grain: 64) { rows in
                    AVX512Kernels.matVecRows(w: w.baseAddress!, x: x, k: k, bias: b.baseAddress!, rows: rows, y: y)
                }
            }
        }
        return true
    }
}
