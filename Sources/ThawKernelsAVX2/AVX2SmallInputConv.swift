extension AVX2Kernels {
    /// One output row `out` [outWidth, Cout] of a dense convolution (groups 1, dilation 1) with few input
    /// channels — a network's stem (3×3, 3 → 32) — straight from the NHWC image [·, inWidth, Cin] without
    /// im2col: `AVX512Kernels.smallInputConvRow`'s arguments and arithmetic (bias, then taps ky, (kx, ci)
    /// ascending, one fused multiply-add each; the same floats). Cout a multiple of 8.
    /// Six (then four) neighbouring output pixels × 16 output channels share each pair of weight vectors; the last
    /// 8 channels run four pixels × 8, and pixels whose windows cross the row's ends one chain at a time.
    public static func smallInputConvRow(image: UnsafePointer<Float>, inWidth: Int, inChannels cin: Int, outChannels cout: Int,
                                         weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, kernelW: Int,
                                         strideW: Int, padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int,
                                         outWidth: Int, low: Float, high: Float, out: UnsafeMutablePointer<Float>) {
        precondition(cout % 8 == 0, "smallInputConvRow: Cout must be a multiple of 8")
        let pixelStep = strideW * cin                        // input floats between neighbouring windows
        var g = 0
        while g < cout {
            let wide = g + 16 <= cout
            var ow = 0
            while ow < outWidth {
                let ix0 = ow * strideW - padLeft
                // Six pixels (16 channels) whose windows lie wholly inside the row: 12 accumulator chains, enough to
                // keep both FMA pipes busy (four pixels' 8 chains wait on the FMA latency).
                if wide && smallInputSixPixels && ow + 6 <= outWidth && ix0 >= 0 && ix0 + 5 * strideW + kernelW <= inWidth {
                    hex16(image, inWidth, cin, cout, weight, bias, kernelW, pixelStep, iy0, kyLo, kyHi, ix0, g, out + ow * cout + g)
                    ow += 6
                    continue
                }
                // Four pixels whose windows lie wholly inside the row.
                if ow + 4 <= outWidth && ix0 >= 0 && ix0 + 3 * strideW + kernelW <= inWidth {
                    let o = out + ow * cout + g
                    if wide {
                        quad16(image, inWidth, cin, cout, weight, bias, kernelW, pixelStep, iy0, kyLo, kyHi, ix0, g, o)
                    } else {
                        quad8(image, inWidth, cin, cout, weight, bias, kernelW, pixelStep, iy0, kyLo, kyHi, ix0, g, o)
                    }
                    ow += 4
                    continue
                }
                let kxLo = max(0, -ix0), kxHi = min(kernelW, inWidth - ix0)
                for h in stride(from: g, to: wide ? g + 16 : g + 8, by: 8) {
                    var a = load(bias + h)
                    for ky in kyLo..<kyHi {
                        let line = image + ((iy0 + ky) * inWidth + ix0) * cin
                        let wl = weight + ky * kernelW * cin * cout + h
                        for t in (kxLo * cin)..<(kxHi * cin) { a = a.addingProduct(F8(repeating: line[t]), load(wl + t * cout)) }
                    }
                    store(a, out + ow * cout + h)
                }
                ow += 1
            }
            g += wide ? 16 : 8
        }
        clamp(out, count: outWidth * cout, low, high)        // the activation over the finished row
    }

    /// Runs of six interior pixels × 16 channels first (default); false: runs of four (benchmarks compare: knob
    /// `six-pixels`). Same floats: every output is the same chain (bias, then taps in order).
    nonisolated(unsafe) public static var smallInputSixPixels = true

    /// Six interior pixels from input column ix0, output channels g..<g+16, into o (pixels cout apart): 12
    /// accumulators, two weight vectors and one broadcast — 15 of the 16 ymm registers.
    @inline(__always)
    private static func hex16(_ image: UnsafePointer<Float>, _ inWidth: Int, _ cin: Int, _ cout: Int,
                              _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ kernelW: Int, _ pixelStep: Int,
                              _ iy0: Int, _ kyLo: Int, _ kyHi: Int, _ ix0: Int, _ g: Int, _ o: UnsafeMutablePointer<Float>) {
        let b = load(bias + g), d = load(bias + g + 8)
        var a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b
        var e0 = d, e1 = d, e2 = d, e3 = d, e4 = d, e5 = d
        for ky in kyLo..<kyHi {
            let line = image + ((iy0 + ky) * inWidth + ix0) * cin
            let wl = weight + ky * kernelW * cin * cout + g
            for t in 0..<(kernelW * cin) {                   // (kx, ci) contiguous in both layouts
                let w = load(wl + t * cout), x = load(wl + t * cout + 8)
                var v = F8(repeating: line[t]); a0 = a0.addingProduct(v, w); e0 = e0.addingProduct(v, x)
                v = F8(repeating: line[t + pixelStep]); a1 = a1.addingProduct(v, w); e1 = e1.addingProduct(v, x)
                v = F8(repeating: line[t + 2 * pixelStep]); a2 = a2.addingProduct(v, w); e2 = e2.addingProduct(v, x)
                v = F8(repeating: line[t + 3 * pixelStep]); a3 = a3.addingProduct(v, w); e3 = e3.addingProduct(v, x)
                v = F8(repeating: line[t + 4 * pixelStep]); a4 = a4.addingProduct(v, w); e4 = e4.addingProduct(v, x)
                v = F8(repeating: line[t + 5 * pixelStep]); a5 = a5.addingProduct(v, w); e5 = e5.addingProduct(v, x)
            }
        }
        store(a0, o); store(e0, o + 8)
        store(a1, o + cout); store(e1, o + cout + 8)
        store(a2, o + 2 * cout); store(e2, o + 2 * cout + 8)
        store(a3, o + 3 * cout); store(e3, o + 3 * cout + 8)
        store(a4, o + 4 * cout); store(e4, o + 4 * cout + 8)
        store(a5, o + 5 * cout); store(e5, o + 5 * cout + 8)
    }

    /// Four interior pixels from input column ix0, output channels g..<g+16, into o (pixels cout apart).
    @inline(__always)
    private static func quad16(_ image: UnsafePointer<Float>, _ inWidth: Int, _ cin: Int, _ cout: Int,
                               _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ kernelW: Int, _ pixelStep: Int,
                               _ iy0: Int, _ kyLo: Int, _ kyHi: Int, _ ix0: Int, _ g: Int, _ o: UnsafeMutablePointer<Float>) {
        let b = load(bias + g), d = load(bias + g + 8)
        var a0 = b, a1 = b, a2 = b, a3 = b
        var e0 = d, e1 = d, e2 = d, e3 = d
        for ky in kyLo..<kyHi {
            let line = image + ((iy0 + ky) * inWidth + ix0) * cin
            let wl = weight + ky * kernelW * cin * cout + g
            for t in 0..<(kernelW * cin) {                   // (kx, ci) contiguous in both layouts
                let w = load(wl + t * cout), x = load(wl + t * cout + 8)
                let v0 = F8(repeating: line[t]), v1 = F8(repeating: line[t + pixelStep])
                let v2 = F8(repeating: line[t + 2 * pixelStep]), v3 = F8(repeating: line[t + 3 * pixelStep])
                a0 = a0.addingProduct(v0, w); e0 = e0.addingProduct(v0, x)
                a1 = a1.addingProduct(v1, w); e1 = e1.addingProduct(v1, x)
                a2 = a2.addingProduct(v2, w); e2 = e2.addingProduct(v2, x)
                a3 = a3.addingProduct(v3, w); e3 = e3.addingProduct(v3, x)
            }
        }
        store(a0, o); store(e0, o + 8)
        store(a1, o + cout); store(e1, o + cout + 8)
        store(a2, o + 2 * cout); store(e2, o + 2 * cout + 8)
        store(a3, o + 3 * cout); store(e3, o + 3 * cout + 8)
    }

    /// `quad16` over output channels g..<g+8.
    @inline(__always)
    private static func quad8(_ image: UnsafePointer<Float>, _ inWidth: Int, _ cin: Int, _ cout: Int,
                              _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ kernelW: Int, _ pixelStep: Int,
                              _ iy0: Int, _ kyLo: Int, _ kyHi: Int, _ ix0: Int, _ g: Int, _ o: UnsafeMutablePointer<Float>) {
        let b = load(bias + g)
        var a0 = b, a1 = b, a2 = b, a3 = b
        for ky in kyLo..<kyHi {
            let line = image + ((iy0 + ky) * inWidth + ix0) * cin
            let wl = weight + ky * kernelW * cin * cout + g
            for t in 0..<(kernelW * cin) {
                let w = load(wl + t * cout)
                a0 = a0.addingProduct(F8(repeating: line[t]), w)
                a1 = a1.addingProduct(F8(repeating: line[t + pixelStep]), w)
                a2 = a2.addingProduct(F8(repeating: line[t + 2 * pixelStep]), w)
                a3 = a3.addingProduct(F8(repeating: line[t + 3 * pixelStep]), w)
            }
        }
        store(a0, o); store(a1, o + cout); store(a2, o + 2 * cout); store(a3, o + 3 * cout)
    }
}
