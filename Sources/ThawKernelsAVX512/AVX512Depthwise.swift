/// Depthwise-convolution rows and small-input dense convolution rows (network stems) for CPUs with
/// AVX-512 (F, BW, DQ, VL, CD): compiled with `-target-cpu skylake-avx512`, so `SIMD16<Float>` is one
/// zmm register and `addingProduct` one fused multiply-add. Single-threaded; ThawKernels splits
/// rows over the cores and calls these only when `VectorISA.avx512` is true.
///
/// Pitfall: nothing here may run on a CPU without AVX-512 (illegal instruction); keep these
/// functions non-inlinable so no AVX-512 code leaks into the baseline modules.
public enum AVX512Kernels {
    typealias F16 = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> F16 { UnsafeRawPointer(p).loadUnaligned(as: F16.self) }

    @inline(__always)
    static func store(_ v: F16, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F16.self) }

    /// p[i] = min(max(p[i], low), high) over `count` values; nothing for ±infinity bounds. Pitfall: a
    /// plain loop vectorises to vmaxps/vminps, while SIMD16's `clamped`, `pointwiseMin` or
    /// `replacing(with:where:)` compile to out-of-line calls that take the vector in four xmm
    /// registers and blend lane group by lane group (the depthwise ran 2× slower than SSE with them).
    @inline(__always)
    static func clamp(_ p: UnsafeMutablePointer<Float>, count: Int, _ low: Float, _ high: Float) {
        if low == -.infinity && high == .infinity { return }
        for i in 0..<count { p[i] = min(max(p[i], low), high) }
    }

    /// One output row `out` [outWidth, C] of a depthwise convolution (dilation 1) over one NHWC image
    /// `image` [·, inWidth, C]: weight [kh][kw][C], bias [C] (zeros when the layer has none),
    /// out = clamp(bias + Σ x·w, low, high). Window row ky reads input row iy0 + ky; only ky in
    /// kyLo..<kyHi (the rows inside the image) are summed, and per pixel only the columns inside it.
    public static func depthwiseRow(image: UnsafePointer<Float>, inWidth: Int, channels c: Int,
                                    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                    kernelW: Int, strideW: Int, padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int,
                                    outWidth: Int, low: Float, high: Float, out: UnsafeMutablePointer<Float>) {
        for ow in 0..<outWidth {
            let ix0 = ow * strideW - padLeft
            let kxLo = max(0, -ix0), kxHi = min(kernelW, inWidth - ix0)
            let o = out + ow * c
            var ch = 0
            // Four channel groups at once: four independent FMA chains hide the FMA latency.
            while ch + 64 <= c {
                var a0 = load(bias + ch), a1 = load(bias + ch + 16), a2 = load(bias + ch + 32), a3 = load(bias + ch + 48)
                for ky in kyLo..<kyHi {
                    let line = image + ((iy0 + ky) * inWidth + ix0) * c + ch
                    let wl = weight + ky * kernelW * c + ch
                    for kx in kxLo..<kxHi {
                        let v = line + kx * c, k = wl + kx * c
                        a0 = a0.addingProduct(load(v), load(k))
                        a1 = a1.addingProduct(load(v + 16), load(k + 16))
                        a2 = a2.addingProduct(load(v + 32), load(k + 32))
                        a3 = a3.addingProduct(load(v + 48), load(k + 48))
                    }
                }
                store(a0, o + ch); store(a1, o + ch + 16); store(a2, o + ch + 32); store(a3, o + ch + 48)
                ch += 64
            }
            while ch + 16 <= c {
                var a = load(bias + ch)
                for ky in kyLo..<kyHi {
                    let line = image + ((iy0 + ky) * inWidth + ix0) * c + ch
                    let wl = weight + ky * kernelW * c + ch
                    for kx in kxLo..<kxHi { a = a.addingProduct(load(line + kx * c), load(wl + kx * c)) }
                }
                store(a, o + ch)
                ch += 16
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
            clamp(o, count: c, low, high)            // the activation, while the pixel is in L1
        }
    }
}
