extension AVX2Kernels {
    /// One output row `out` [outWidth, C] of a depthwise convolution (dilation 1) over one NHWC image
    /// `image` [·, inWidth, C]: weight [kh][kw][C], bias [C] (zeros when the layer has none),
    /// out = clamp(bias + Σ x·w, low, high). Window row ky reads input row iy0 + ky; only ky in
    /// kyLo..<kyHi (the rows inside the image) are summed, and per pixel only the columns inside it.
    /// `AVX512Kernels.depthwiseRow`'s arguments and arithmetic (bias, then taps ky, kx ascending, one fused
    /// multiply-add each) with 8-channel ymm groups, four chains at a time: the same floats.
    public static func depthwiseRow(image: UnsafePointer<Float>, inWidth: Int, channels c: Int,
                                    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                    kernelW: Int, strideW: Int, padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int,
                                    outWidth: Int, low: Float, high: Float, out: UnsafeMutablePointer<Float>) {
        for ow in 0..<outWidth {
            let ix0 = ow * strideW - padLeft
            let kxLo = max(0, -ix0), kxHi = min(kernelW, inWidth - ix0)
            let o = out + ow * c
            var ch = 0
            while ch + 32 <= c {                             // four independent FMA chains hide the latency
                var a0 = load(bias + ch), a1 = load(bias + ch + 8), a2 = load(bias + ch + 16), a3 = load(bias + ch + 24)
                for ky in kyLo..<kyHi {
                    let line = image + ((iy0 + ky) * inWidth + ix0) * c + ch
                    let wl = weight + ky * kernelW * c + ch
                    for kx in kxLo..<kxHi {
                        let v = line + kx * c, k = wl + kx * c
                        a0 = a0.addingProduct(load(v), load(k))
                        a1 = a1.addingProduct(load(v + 8), load(k + 8))
                        a2 = a2.addingProduct(load(v + 16), load(k + 16))
                        a3 = a3.addingProduct(load(v + 24), load(k + 24))
                    }
                }
                store(a0, o + ch); store(a1, o + ch + 8); store(a2, o + ch + 16); store(a3, o + ch + 24)
                ch += 32
            }
            while ch + 8 <= c {
                var a = load(bias + ch)
                for ky in kyLo..<kyHi {
                    let line = image + ((iy0 + ky) * inWidth + ix0) * c + ch
                    let wl = weight + ky * kernelW * c + ch
                    for kx in kxLo..<kxHi { a = a.addingProduct(load(line + kx * c), load(wl + kx * c)) }
                }
                store(a, o + ch)
                ch += 8
            }
            while ch < c {                                   // channel tail
                var a = bias[ch]
                for ky in kyLo..<kyHi {
                    for kx in kxLo..<kxHi {
                        a = a.addingProduct(image[((iy0 + ky) * inWidth + ix0 + kx) * c + ch], weight[(ky * kernelW + kx) * c + ch])
                    }
                }
                o[ch] = a
                ch += 1
            }
            clamp(o, count: c, low, high)                    // the activation, while the pixel is in L1
        }
    }
}
