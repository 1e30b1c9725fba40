extension AVX512Kernels {
    /// One output row `out` [outWidth, Cout] of a dense convolution (groups 1, dilation 1) with few
    /// input channels — a network's stem (3×3, 3 → 32) — straight from the NHWC image [·, inWidth, Cin]
    /// without im2col: weight [kh][kw][Cin][Cout] (Conv2D's GEMM layout), bias [Cout] (zeros when
    /// none), Cout a multiple of 16; out = clamp(bias + Σ x·w, low, high). Rows as `depthwiseRow`.
    /// Four neighbouring output pixels share each weight vector (four FMA chains in flight).
    public static func smallInputConvRow(image: UnsafePointer<Float>, inWidth: Int, inChannels cin: Int, outChannels cout: Int,
                                         weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, kernelW: Int,
                                         strideW: Int, padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int,
                                         outWidth: Int, low: Float, high: Float, out: UnsafeMutablePointer<Float>) {
        precondition(cout % 16 == 0, "smallInputConvRow: Cout must be a multiple of 16")
        let pixelStep = strideW * cin                        // input floats between neighbouring windows
        for g in stride(from: 0, to: cout, by: 16) {
            let b = load(bias + g)
            var ow = 0
            while ow < outWidth {
                let ix0 = ow * strideW - padLeft
                // Four pixels whose windows lie wholly inside the row.
                if ow + 4 <= outWidth && ix0 >= 0 && ix0 + 3 * strideW + kernelW <= inWidth {
                    var a0 = b, a1 = b, a2 = b, a3 = b
                    for ky in kyLo..<kyHi {
                        let line = image + ((iy0 + ky) * inWidth + ix0) * cin
                        let wl = weight + ky * kernelW * cin * cout + g
                        for t in 0..<(kernelW * cin) {          // (kx, ci) contiguous in both layouts
                            let k = load(wl + t * cout)
                            a0 = a0.addingProduct(F16(repeating: line[t]), k)
                            a1 = a1.addingProduct(F16(repeating: line[t + pixelStep]), k)
                            a2 = a2.addingProduct(F16(repeating: line[t + 2 * pixelStep]), k)
                            a3 = a3.addingProduct(F16(repeating: line[t + 3 * pixelStep]), k)
                        }
                    }
                    let o = out + ow * cout + g
                    store(a0, o); store(a1, o + cout); store(a2, o + 2 * cout); store(a3, o + 3 * cout)
                    ow += 4
                    continue
                }
                let kxLo = max(0, -ix0), kxHi = min(kernelW, inWidth - ix0)
                var a = b
                for ky in kyLo..<kyHi {
                    let line = image + ((iy0 + ky) * inWidth + ix0) * cin
                    let wl = weight + ky * kernelW * cin * cout + g
                    for t in (kxLo * cin)..<(kxHi * cin) { a = a.addingProduct(F16(repeating: line[t]), load(wl + t * cout)) }
                }
                store(a, out + ow * cout + g)
                ow += 1
            }
        }
        clamp(out, count: outWidth * cout, low, high)        // the activation over the finished row
    }
}
