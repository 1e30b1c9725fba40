extension AVX512Kernels {
    /// `depthwiseRow` (same arguments and result) with four neighbouring output pixels per channel group:
    /// each weight vector is loaded once for four fused multiply-adds (`depthwiseRow` loads a weight vector
    /// per pixel: two loads per FMA, so it waited on loads). Pixels whose windows cross the image's left or
    /// right edge, runs shorter than four, and channel counts that are not a multiple of 16 go through
    /// `depthwiseRow`. Each output is the same sum in the same order (bias, then taps ky, kx): identical results.
    public static func depthwiseRowPixels4(image: UnsafePointer<Float>, inWidth: Int, channels c: Int,
                                           weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                           kernelW: Int, strideW: Int, padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int,
                                           outWidth: Int, low: Float, high: Float, out: UnsafeMutablePointer<Float>) {
        func plain(_ ow0: Int, _ count: Int) {
            depthwiseRow(image: image, inWidth: inWidth, channels: c, weight: weight, bias: bias, kernelW: kernelW,
                         strideW: strideW, padLeft: padLeft - ow0 * strideW, iy0: iy0, kyLo: kyLo, kyHi: kyHi,
                         outWidth: count, low: low, high: high, out: out + ow0 * c)
        }
        guard c % 16 == 0 else { return plain(0, outWidth) }
        let step = strideW * c                               // floats between neighbouring windows
        var ow = 0
        while ow < outWidth {
            let ix0 = ow * strideW - padLeft
            guard ow + 4 <= outWidth, ix0 >= 0, ix0 + 3 * strideW + kernelW <= inWidth else {
                plain(ow, 1)
                ow += 1
                continue
            }
            let o = out + ow * c
            for ch in stride(from: 0, to: c, by: 16) {
                let b = load(bias + ch)
                var a0 = b, a1 = b, a2 = b, a3 = b
                for ky in kyLo..<kyHi {
                    let line = image + ((iy0 + ky) * inWidth + ix0) * c + ch
                    let wl = weight + ky * kernelW * c + ch
                    for kx in 0..<kernelW {
                        let k = load(wl + kx * c), v = line + kx * c
                        a0 = a0.addingProduct(load(v), k)
                        a1 = a1.addingProduct(load(v + step), k)
                        a2 = a2.addingProduct(load(v + 2 * step), k)
                        a3 = a3.addingProduct(load(v + 3 * step), k)
                    }
                }
                store(a0, o + ch); store(a1, o + c + ch); store(a2, o + 2 * c + ch); store(a3, o + 3 * c + ch)
            }
            clamp(o, count: 4 * c, low, high)                // the activation while the pixels are in L1
            ow += 4
        }
    }
}
