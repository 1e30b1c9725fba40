extension AVX2Kernels {
    /// The AVX2 build of `AVX512Kernels.depthwiseBackwardRow`: one output row of a depthwise convolution's backward
    /// (dilation 1), channels chLo..<chHi; for every tap (ky, kx) whose input row iy0 + ky lies inside the image,
    ///   dW[ky][kx][ch] += Σ_p x[iy][p·s + kx − left][ch]·g[p][ch]   (a ymm accumulator across the row)
    ///   dx[iy][p·s + kx − left][ch] += W[ky][kx][ch]·g[p][ch]       (fused multiply-add)
    /// over the output columns p whose tap lies inside the image. x, dx: one image [H, W, C]; g: the row's masked
    /// dy [OW, C]; weight, dWeight: [kh][kw][C]. Channels in whole 8s take fused multiply-adds, the rest a scalar
    /// tail (the AVX-512 build's tail starts at whole 16s: channels between differ from it by float rounding).
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
                while ch + 8 <= chHi {
                    var acc = load(dWeight + tap + ch)
                    let wv = load(weight + tap + ch)
                    for p in lo..<hi {
                        let gv = load(g + p * c + ch), at = line + p * strideW * c + ch
                        acc = acc.addingProduct(load(x + at), gv)
                        if let dx { store(load(dx + at).addingProduct(wv, gv), dx + at) }
                    }
                    store(acc, dWeight + tap + ch)
                    ch += 8
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
