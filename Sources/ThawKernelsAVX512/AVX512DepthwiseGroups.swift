extension AVX512Kernels {
    /// `depthwiseRow` (same arguments, identical results) for 3×3 and 5×5 windows at stride 1 or 2, channels a
    /// multiple of 16, laid out for the fused multiply-add units instead of the loads:
    ///   - interior pixels (every tap inside the image) four at a time per 16-channel group: four independent
    ///     accumulator chains, each weight vector loaded once for four FMAs, and with k and s compile-time
    ///     constants (`DepthwiseWindow`) the input columns the four windows share are loaded once (stride 1,
    ///     3×3: 6 column loads + 3 weight loads per 12 FMAs, where `depthwiseRow` does 24 loads);
    ///   - border pixels one at a time with their taps clipped, four channel groups (four chains) at once.
    /// `depthwiseRow` waited on loads and FMA latency: ≈ 25 GFLOP/s on one Zen 4 core (peak 118) at every
    /// Lite0 shape; this runs 43–72 on the 14×14 to 112×112 maps, 35–39 on 7×7 (`thaw-kernels-bench mobile`).
    ///
    /// Each output is the same sum in the same order as `depthwiseRow` (bias, then taps ky, kx ascending, one
    /// fused multiply-add each), then clamped to [low, high]. Other shapes go to `depthwiseRow`.
    public static func depthwiseRowGroups(image: UnsafePointer<Float>, inWidth: Int, channels c: Int,
                                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                          kernelW: Int, strideW: Int, padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int,
                                          outWidth: Int, low: Float, high: Float, out: UnsafeMutablePointer<Float>) {
        let row = GroupRow(image: image, inWidth: inWidth, c: c, count: c, weight: weight, bias: bias, padLeft: padLeft, iy0: iy0,
                           kyLo: kyLo, kyHi: kyHi, outWidth: outWidth, low: low, high: high, out: out)
        switch (c % 16 == 0 ? kernelW : 0, strideW) {
        case (3, 1): row.run(Window3x3Stride1.self)
        case (3, 2): row.run(Window3x3Stride2.self)
        case (5, 1): row.run(Window5x5Stride1.self)
        case (5, 2): row.run(Window5x5Stride2.self)
        default:
            depthwiseRow(image: image, inWidth: inWidth, channels: c, weight: weight, bias: bias, kernelW: kernelW,
                         strideW: strideW, padLeft: padLeft, iy0: iy0, kyLo: kyLo, kyHi: kyHi, outWidth: outWidth,
                         low: low, high: high, out: out)
        }
    }

    /// `depthwiseRowGroups` on a slab of `count` channels (a multiple of 16) of rows laid out `c` channels apart
    /// (`c` a multiple of 16): `image`, `weight`, `bias` and `out` already point at the slab's first channel.
    /// Same sums in the same order, so the same floats as the whole row. Needs `depthwiseSlabWindow`.
    public static func depthwiseRowGroupSlab(image: UnsafePointer<Float>, inWidth: Int, channels c: Int, count: Int,
                                             weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                             kernelW: Int, strideW: Int, padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int,
                                             outWidth: Int, low: Float, high: Float, out: UnsafeMutablePointer<Float>) {
        precondition(c % 16 == 0 && count % 16 == 0 && count <= c && depthwiseSlabWindow(kernelW: kernelW, strideW: strideW),
                     "depthwiseRowGroupSlab: \(count) of \(c) channels, \(kernelW)-wide window, stride \(strideW)")
        let row = GroupRow(image: image, inWidth: inWidth, c: c, count: count, weight: weight, bias: bias, padLeft: padLeft, iy0: iy0,
                           kyLo: kyLo, kyHi: kyHi, outWidth: outWidth, low: low, high: high, out: out)
        switch (kernelW, strideW) {
        case (3, 1): row.run(Window3x3Stride1.self)
        case (3, 2): row.run(Window3x3Stride2.self)
        case (5, 1): row.run(Window5x5Stride1.self)
        default: row.run(Window5x5Stride2.self)
        }
    }
}

/// A window width and stride known at compile time: the generic row below is specialised per shape, so its tap
/// loops unroll and the loads the four windows share are merged.
protocol DepthwiseWindow {
    static var k: Int { get }
    static var s: Int { get }
}
enum Window3x3Stride1: DepthwiseWindow { static var k: Int { 3 }; static var s: Int { 1 } }
enum Window3x3Stride2: DepthwiseWindow { static var k: Int { 3 }; static var s: Int { 2 } }
enum Window5x5Stride1: DepthwiseWindow { static var k: Int { 5 }; static var s: Int { 1 } }
enum Window5x5Stride2: DepthwiseWindow { static var k: Int { 5 }; static var s: Int { 2 } }

/// One output row [outWidth, C] of `depthwiseRowGroups`. Input row iy0 + ky holds window row ky; only
/// ky in kyLo..<kyHi (inside the image) are summed.
struct GroupRow {
    typealias F16 = AVX512Kernels.F16
    let image: UnsafePointer<Float>                  // [·, inWidth, C]
    let inWidth: Int, c: Int                         // c: channels per pixel (the layout)
    let count: Int                                   // channels computed, 0..<count from the pointers (≤ c)
    let weight: UnsafePointer<Float>                 // [k][k][C]
    let bias: UnsafePointer<Float>                   // [C]
    let padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int, outWidth: Int
    let low: Float, high: Float
    let out: UnsafeMutablePointer<Float>             // [outWidth, C]

    @inline(__always)
    func run<W: DepthwiseWindow>(_ window: W.Type) {
        if runNarrow(window) { return }              // 7- and 14-wide maps at stride 1 (AVX512DepthwiseNarrow.swift)
        let k = W.k, s = W.s
        let top = image + iy0 * inWidth * c          // window row 0 (may lie above the image; never read there)
        // Interior pixels first..<end: every tap column inside the image.
        let first = min(outWidth, (padLeft + s - 1) / s)
        let end = max(first, min(outWidth, (inWidth - k + padLeft) / s + 1))
        let quads = (end - first) / 4
        for ch in stride(from: 0, to: count, by: 64) {
            let groups = min(4, (count - ch) / 16)
            for ow in 0..<first { border(window, top: top, ow: ow, ch: ch, groups: groups) }
            for g in 0..<groups {
                let cg = ch + 16 * g
                let b = AVX512Kernels.load(bias + cg)
                for q in 0..<quads { quad(window, top: top + cg, b: b, ow: first + 4 * q, cg: cg) }
            }
            for ow in first + 4 * quads..<outWidth { border(window, top: top, ow: ow, ch: ch, groups: groups) }
        }
    }

    /// Pixels ow..<ow+4 (interior) of the 16 channels at cg; `top` already offset by cg.
    @_transparent                                    // as `finish`: a call per run of four otherwise (b in four xmm)
    func quad<W: DepthwiseWindow>(_: W.Type, top: UnsafePointer<Float>, b: F16, ow: Int, cg: Int) {
        let k = W.k, s = W.s
        let ix0 = ow * s - padLeft
        var a0 = b, a1 = b, a2 = b, a3 = b
        for ky in kyLo..<kyHi {
            let v = top + (ky * inWidth + ix0) * c
            let wl = weight + ky * k * c + cg
            for kx in 0..<k {
                let w = AVX512Kernels.load(wl + kx * c)
                a0 = a0.addingProduct(AVX512Kernels.load(v + kx * c), w)
                a1 = a1.addingProduct(AVX512Kernels.load(v + (s + kx) * c), w)
                a2 = a2.addingProduct(AVX512Kernels.load(v + (2 * s + kx) * c), w)
                a3 = a3.addingProduct(AVX512Kernels.load(v + (3 * s + kx) * c), w)
            }
        }
        let p = out + ow * c + cg
        finish(a0, p); finish(a1, p + c); finish(a2, p + 2 * c); finish(a3, p + 3 * c)
    }

    /// Pixel ow over `groups` ≤ 4 channel groups from ch, taps clipped to the image, one chain per group.
    @inline(__always)
    func border<W: DepthwiseWindow>(_: W.Type, top: UnsafePointer<Float>, ow: Int, ch: Int, groups: Int) {
        let k = W.k, s = W.s
        let ix0 = ow * s - padLeft
        let kxLo = max(0, -ix0), kxHi = min(k, inWidth - ix0)
        let o = out + ow * c + ch
        if groups == 4 {
            var a0 = AVX512Kernels.load(bias + ch), a1 = AVX512Kernels.load(bias + ch + 16)
            var a2 = AVX512Kernels.load(bias + ch + 32), a3 = AVX512Kernels.load(bias + ch + 48)
            for ky in kyLo..<kyHi {
                let line = top + (ky * inWidth + ix0) * c + ch
                let wl = weight + ky * k * c + ch
                for kx in kxLo..<kxHi {
                    let v = line + kx * c, w = wl + kx * c
                    a0 = a0.addingProduct(AVX512Kernels.load(v), AVX512Kernels.load(w))
                    a1 = a1.addingProduct(AVX512Kernels.load(v + 16), AVX512Kernels.load(w + 16))
                    a2 = a2.addingProduct(AVX512Kernels.load(v + 32), AVX512Kernels.load(w + 32))
                    a3 = a3.addingProduct(AVX512Kernels.load(v + 48), AVX512Kernels.load(w + 48))
                }
            }
            finish(a0, o); finish(a1, o + 16); finish(a2, o + 32); finish(a3, o + 48)
            return
        }
        if groups == 2 {                             // a 32-channel slab (or tail): two chains
            var a0 = AVX512Kernels.load(bias + ch), a1 = AVX512Kernels.load(bias + ch + 16)
            for ky in kyLo..<kyHi {
                let line = top + (ky * inWidth + ix0) * c + ch
                let wl = weight + ky * k * c + ch
                for kx in kxLo..<kxHi {
                    let v = line + kx * c, w = wl + kx * c
                    a0 = a0.addingProduct(AVX512Kernels.load(v), AVX512Kernels.load(w))
                    a1 = a1.addingProduct(AVX512Kernels.load(v + 16), AVX512Kernels.load(w + 16))
                }
            }
            finish(a0, o); finish(a1, o + 16)
            return
        }
        for g in 0..<groups {
            var a = AVX512Kernels.load(bias + ch + 16 * g)
            for ky in kyLo..<kyHi {
                let line = top + (ky * inWidth + ix0) * c + ch + 16 * g
                let wl = weight + ky * k * c + ch + 16 * g
                for kx in kxLo..<kxHi { a = a.addingProduct(AVX512Kernels.load(line + kx * c), AVX512Kernels.load(wl + kx * c)) }
            }
            finish(a, o + 16 * g)
        }
    }

    /// Stores 16 finished outputs and clamps them while they are in L1 (the activation). Clamping in registers
    /// first (`AVX512Kernels.clamped`, as the 1×1 epilogue does) measured 2–4% slower here on 3 of 8 shapes.
    @_transparent                                    // @inline(__always) left a call per pixel (SIMD16 in four xmm)
    func finish(_ v: F16, _ p: UnsafeMutablePointer<Float>) {
        AVX512Kernels.store(v, p)
        AVX512Kernels.clamp(p, count: 16, low, high)
    }
}
