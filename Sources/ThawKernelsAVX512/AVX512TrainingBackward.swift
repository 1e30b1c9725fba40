extension AVX512Kernels {
    /// The AVX-512 build of `BatchNormActivationBackward`'s pass 1 over `rows` rows [C] (the same
    /// loop, so the same results): g = dy where 0 < y < high (no mask without y); out = g·outScale;
    /// sumG += g; sumGX += g·(x − mean)·invstd ([C] Float accumulators).
    public static func batchNormBackwardSums(x: UnsafePointer<Float>, y: UnsafePointer<Float>?, high: Float,
                                             dy: UnsafePointer<Float>, rows: Int, channels c: Int,
                                             mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                                             outScale: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                                             sumG: UnsafeMutablePointer<Float>, sumGX: UnsafeMutablePointer<Float>) {
        // The tile kernel over whole rows: zmm per 16 channels, the sums in registers.
        batchNormBackwardTile(x: x, y: y, high: high, dy: dy, out: out, ld: c, rows: rows, cols: c, mean: mean, invstd: invstd,
                              outScale: outScale, sumG: sumG, sumGX: sumGX)
    }

    /// The AVX-512 build of pass 2, in place: g = k·g − a − b·(x − mean)·invstd over `rows` rows [C].
    public static func batchNormBackwardFinish(x: UnsafePointer<Float>, g: UnsafeMutablePointer<Float>, rows: Int,
                                               channels c: Int, mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                                               k: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>) {
        for r in 0..<rows {
            let xr = x + r * c, gr = g + r * c
            for j in 0..<c { gr[j] = k[j] * gr[j] - a[j] - b[j] * ((xr[j] - mean[j]) * invstd[j]) }
        }
    }

    /// One output row of a depthwise convolution's backward (dilation 1), channels chLo..<chHi:
    /// for every tap (ky, kx) whose input row iy0 + ky lies inside the image,
    ///   dW[ky][kx][ch] += Σ_p x[iy][p·s + kx − left][ch]·g[p][ch]   (a zmm accumulator across the row)
    ///   dx[iy][p·s + kx − left][ch] += W[ky][kx][ch]·g[p][ch]       (fused multiply-add)
    /// over the output columns p whose tap lies inside the image. x, dx: one image [H, W, C];
    /// g: the row's masked dy [OW, C]; weight, dWeight: [kh][kw][C].
    public static func depthwiseBackwardRow(image x: UnsafePointer<Float>, dImage dx: UnsafeMutablePointer<Float>?,
                                            inHeight: Int, inWidth: Int, channels c: Int, chLo: Int, chHi: Int,
                                            g: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                            dWeight: UnsafeMutablePointer<Float>, kernelH: Int, kernelW: Int,
                                            strideW: Int, padLeft: Int, iy0: Int, outWidth ow: Int) {
        for ky in 0..<kernelH {
            let iy = iy0 + ky
            if iy < 0 || iy >= inHeight { continue }
            for kx in 0..<kernelW {
                let shift = kx - padLeft
                let lo = shift >= 0 ? 0 : (-shift + strideW - 1) / strideW
                let last = inWidth - 1 - shift
                if last < 0 { continue }
                let hi = min(ow, last / strideW + 1)
                if lo >= hi { continue }
                let line = (iy * inWidth + shift) * c     // + p·s·C for column p
                let tap = (ky * kernelW + kx) * c
                var ch = chLo
                while ch + 16 <= chHi {
                    var acc = load(dWeight + tap + ch)
                    let wv = load(weight + tap + ch)
                    for p in lo..<hi {
                        let gv = load(g + p * c + ch), at = line + p * strideW * c + ch
                        acc = acc.addingProduct(load(x + at), gv)
                        if let dx { store(load(dx + at).addingProduct(wv, gv), dx + at) }
                    }
                    store(acc, dWeight + tap + ch)
                    ch += 16
                }
                while ch < chHi {
                    var acc = dWeight[tap + ch]
                    let wv = weight[tap + ch]
                    for p in lo..<hi {
                        let gv = g[p * c + ch], at = line + p * strideW * c + ch
                        acc += x[at] * gv
                        dx?[at] += wv * gv
                    }
                    dWeight[tap + ch] = acc
                    ch += 1
                }
            }
        }
    }
}
