import ThawBLAS

extension Linear {
    /// Rows up to which `forwardFewRows` runs matrix-vector products (above it: `forward`'s one sgemm).
    public static let fewRows = 4
    /// Whether `forwardFewRows` splits its products over the cores (false: `forward`, for same-binary comparisons).
    /// Set before forwards start.
    nonisolated(unsafe) public static var splitFewRows = true

    /// y [rows, out] = x [rows, in] · Wᵀ + b like `forward`, for a classifier head at batch 1…`fewRows`: the
    /// output features split over the cores, each part one matrix-vector product per row with W's rows read once,
    /// in place — `matVecRows` of the AVX-512 or AVX2+FMA build, else a single-threaded sgemv. Why: OpenBLAS 0.3.21
    /// runs a 1-row sgemm as a full GEMM that packs all of W first (ResNet's fc, 1,000 × 2,048 = 8 MB, took
    /// 1.6–3.7 ms at batch 1; Lite0's 1,000 × 1,280 195–330 µs). More rows (or the switch off): `forward`.
    /// Results differ from `forward`'s by float rounding (another summation order).
    public static func forwardFewRows(_ p: LinearParameters, x: UnsafePointer<Float>, rows: Int, y: UnsafeMutablePointer<Float>) {
        guard splitFewRows, rows <= fewRows else {
            forward(p, x: x, rows: rows, y: y)
            return
        }
        let n = p.outFeatures, k = p.inFeatures
        p.weight.withUnsafeBufferPointer { wb in
            p.bias.withUnsafeBufferPointer { bb in
                let w = wb.baseAddress!, b = bb.baseAddress!
                if let build = VectorISA.packedBuild {
                    // ≥ 64 features per part: ≥ 64·k multiply-adds, worth a task. Both builds give the same floats.
                    ParallelRows.run(n, grain: 64) { part in
                        for r in 0..<rows {
                            build.matVecRows(w: w, x: x + r * k, k: k, bias: b, rows: part, y: y + r * n)
                        }
                    }
                    return
                }
                BLAS.singleThreaded {
                    // Parts of ≥ 64 features (≥ 512 KB of W for k = 2,048): enough work per task.
                    ParallelRows.run(n, grain: max(1, 65536 / max(k, 1))) { part in
                        for r in 0..<rows {
                            let yr = y + r * n + part.lowerBound
                            yr.update(from: b + part.lowerBound, count: part.count)
                            BLAS.sgemv(m: part.count, n: k, a: w + part.lowerBound * k, lda: k, x: x + r * k, beta: 1, y: yr)
                        }
                    }
                }
            }
        }
    }

    /// `forwardFewRows`'s matrix-vector parts as one phase (for a caller that chains it after other stages:
    /// `PhaseChain`) when it runs the packed builds' `matVecRows`; nil otherwise. The same floats (each output alone).
    public static func fewRowsPhase(_ p: LinearParameters, x: UnsafePointer<Float>, rows: Int, y: UnsafeMutablePointer<Float>) -> Phase? {
        guard splitFewRows, rows <= fewRows, let build = VectorISA.packedBuild else { return nil }
        let n = p.outFeatures, k = p.inFeatures
        let tasks = min(ParallelRows.cores * 4, max(1, n / 64)), per = (n + tasks - 1) / tasks
        return Phase(count: tasks) { t in
            let part = t * per..<min(n, t * per + per)
            guard !part.isEmpty else { return }
            p.weight.withUnsafeBufferPointer { wb in
                p.bias.withUnsafeBufferPointer { bb in
                    for r in 0..<rows {
                        build.matVecRows(w: wb.baseAddress!, x: x + r * k, k: k, bias: bb.baseAddress!, rows: part, y: y + r * n)
                    }
                }
            }
        }
    }
}
