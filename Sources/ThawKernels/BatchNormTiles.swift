import ThawKernelsAVX512

/// Frozen BatchNorm (running statistics) and its activation as epilogues of a 1×1 convolution's tiles
/// (`TrainingPointwise.Epilogue`): each piece of the GEMM output is normalised (forward) or masked and
/// scaled (backward) while it is still in L2, instead of one more pass over the whole map afterwards.
/// Same arithmetic per element as `BatchNorm.forward` + residual add and `BatchNormActivationBackward`
/// (frozen); only the order of the dγ/dβ sums differs (Float over blocks of 32 rows, Double per tile,
/// tiles added in index order: deterministic for a given core count). AVX-512 build when `VectorISA.avx512`.
public enum BatchNormTiles {
    /// y = clamp(x·scale + shift (+ residual), low, high) over rows × cols at stride `ld` (all three maps);
    /// `scale`/`shift` start at the tile's first column. `y` may be `x`.
    public static func frozenForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                                     ld: Int, rows: Int, cols: Int, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                     low: Float, high: Float) {
        if VectorISA.avx512 {
            AVX512Kernels.batchNormForwardTile(x: x, y: y, residual: residual, ld: ld, rows: rows, cols: cols, scale: scale,
                                               shift: shift, low: low, high: high)
            return
        }
        for r in 0..<rows {
            let xr = x + r * ld, yr = y + r * ld
            if let residual {
                let sr = residual + r * ld
                for j in 0..<cols { yr[j] = min(max(xr[j] * scale[j] + shift[j] + sr[j], low), high) }
            } else {
                for j in 0..<cols { yr[j] = min(max(xr[j] * scale[j] + shift[j], low), high) }
            }
        }
    }

    /// The backward of act(frozen BN(x)) over the pieces of one [rows, C] map, then `finish` for dγ, dβ:
    ///   g = dy where 0 < y < high (no mask without y);  dx = γ·invstd·g;  dγ += Σ g·x̂;  dβ += Σ g.
    public final class FrozenBackward {
        public let channels: Int
        let high: Float
        let tiles: Int
        // Raw buffers: pieces of different tiles write them concurrently (no exclusive array access).
        let mean, invstd, outScale: UnsafeMutablePointer<Float>     // [C] each
        let partial: UnsafeMutablePointer<Double>                   // [tiles][Σg C, Σg·x̂ C]
        let scratch: UnsafeMutablePointer<Float>                    // [tiles][2C] Float sums of one block

        /// - mean, invstd: the running statistics, invstd = 1/√(var + eps); gamma [C].
        public init(channels c: Int, tiles: Int, gamma: [Float], mean: [Float], invstd: [Float], high: Float) {
            precondition(gamma.count == c && mean.count == c && invstd.count == c,
                         "BatchNormTiles.FrozenBackward: gamma, mean and invstd must have C = \(c) values")
            channels = c
            self.high = high
            self.tiles = max(1, tiles)
            self.mean = .allocate(capacity: c)
            self.mean.initialize(from: mean, count: c)
            self.invstd = .allocate(capacity: c)
            self.invstd.initialize(from: invstd, count: c)
            outScale = .allocate(capacity: c)
            for j in 0..<c { outScale[j] = gamma[j] * invstd[j] }
            partial = .allocate(capacity: self.tiles * 2 * c)
            partial.initialize(repeating: 0, count: self.tiles * 2 * c)
            scratch = .allocate(capacity: self.tiles * 2 * c)
            scratch.initialize(repeating: 0, count: self.tiles * 2 * c)
        }

        deinit {
            mean.deallocate(); invstd.deallocate(); outScale.deallocate(); partial.deallocate(); scratch.deallocate()
        }

        /// One piece: rows × cols of x (BN input), y (activated output, or nil), dy and dx ([·, C] maps; dx may
        /// be dy), the rows and columns of the whole map. Pieces of one tile must not run concurrently.
        public func piece(tile t: Int, rows: Range<Int>, columns: Range<Int>, x: UnsafePointer<Float>, y: UnsafePointer<Float>?,
                          dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
            precondition(t >= 0 && t < tiles, "BatchNormTiles.FrozenBackward: tile \(t) outside 0..<\(tiles)")
            let c = channels, j0 = columns.lowerBound, w = columns.count
            let acc = partial + t * 2 * c, blk = scratch + t * 2 * c
            var r = rows.lowerBound
            while r < rows.upperBound {
                let n = min(BatchNormActivationBackward.blockRows, rows.upperBound - r)
                let o = r * c + j0
                (blk + j0).update(repeating: 0, count: w)
                (blk + c + j0).update(repeating: 0, count: w)
                if VectorISA.avx512 {
                    AVX512Kernels.batchNormBackwardTile(x: x + o, y: y.map { $0 + o }, high: high, dy: dy + o, out: dx + o,
                                                        ld: c, rows: n, cols: w, mean: mean + j0, invstd: invstd + j0,
                                                        outScale: outScale + j0, sumG: blk + j0, sumGX: blk + c + j0)
                } else {
                    Self.rows(x: x + o, y: y.map { $0 + o }, high: high, dy: dy + o, out: dx + o, ld: c, rows: n, cols: w,
                              mean: mean + j0, invstd: invstd + j0, outScale: outScale + j0, sumG: blk + j0, sumGX: blk + c + j0)
                }
                for j in j0..<(j0 + w) { acc[j] += Double(blk[j]); acc[c + j] += Double(blk[c + j]) }
                r += n
            }
        }

        /// dγ += Σ g·x̂, dβ += Σ g ([C] each) over every piece, tiles in index order.
        public func finish(dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>) {
            let c = channels
            var sg = [Double](repeating: 0, count: c), sgx = sg
            for t in 0..<tiles {
                for j in 0..<c { sg[j] += partial[t * 2 * c + j]; sgx[j] += partial[t * 2 * c + c + j] }
            }
            for j in 0..<c { dGamma[j] += Float(sgx[j]); dBeta[j] += Float(sg[j]) }
        }

        /// Baseline build of `AVX512Kernels.batchNormBackwardTile` (the same loop).
        static func rows(x: UnsafePointer<Float>, y: UnsafePointer<Float>?, high: Float, dy: UnsafePointer<Float>,
                         out: UnsafeMutablePointer<Float>, ld: Int, rows: Int, cols: Int, mean: UnsafePointer<Float>,
                         invstd: UnsafePointer<Float>, outScale: UnsafePointer<Float>, sumG: UnsafeMutablePointer<Float>,
                         sumGX: UnsafeMutablePointer<Float>) {
            for r in 0..<rows {
                let xr = x + r * ld, dr = dy + r * ld, o = out + r * ld
                if let y {
                    let yr = y + r * ld
                    for j in 0..<cols {
                        let g: Float = yr[j] > 0 && yr[j] < high ? dr[j] : 0
                        sumG[j] += g
                        sumGX[j] += g * ((xr[j] - mean[j]) * invstd[j])
                        o[j] = g * outScale[j]
                    }
                } else {
                    for j in 0..<cols {
                        let g = dr[j]
                        sumG[j] += g
                        sumGX[j] += g * ((xr[j] - mean[j]) * invstd[j])
                        o[j] = g * outScale[j]
                    }
                }
            }
        }
    }
}
