extension AVX2Kernels {
    /// `AVX512Kernels.depthwiseRowGroups` for CPUs without AVX-512 (same arguments, same floats): 3×3 and 5×5
    /// windows at stride 1 or 2, channels a multiple of 8, with the window and stride compile-time constants:
    ///   - interior pixels (every tap inside the image) four at a time over 16 channels (two ymm): eight
    ///     accumulators, each pair of weight vectors loaded once for eight fused multiply-adds (8 channels when
    ///     one group is left);
    ///   - border pixels one at a time with their taps clipped, up to four 8-channel groups (four chains) at once;
    ///   - 7-wide maps at stride 1 as clipped runs of four (AVX2DepthwiseNarrow.swift; the AVX-512 build also runs
    ///     14-wide ones so, which measured slower here).
    /// Each output is the same sum in the same order (bias, then taps ky, kx ascending, one fused multiply-add
    /// each), then clamped to [low, high]. Other shapes go to `depthwiseRow`.
    public static func depthwiseRowGroups(image: UnsafePointer<Float>, inWidth: Int, channels c: Int,
                                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                          kernelW: Int, strideW: Int, padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int,
                                          outWidth: Int, low: Float, high: Float, out: UnsafeMutablePointer<Float>) {
        let row = GroupRow(image: image, inWidth: inWidth, c: c, count: c, weight: weight, bias: bias, padLeft: padLeft, iy0: iy0,
                           kyLo: kyLo, kyHi: kyHi, outWidth: outWidth, low: low, high: high, out: out)
        switch (c % 8 == 0 ? kernelW : 0, strideW) {
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

    /// `depthwiseRowGroups` on a slab of `count` channels (a multiple of 8) of rows laid out `c` channels apart
    /// (`c` a multiple of 8): `image`, `weight`, `bias` and `out` already point at the slab's first channel.
    /// Same sums in the same order, so the same floats as the whole row. 3×3 or 5×5 windows, stride 1 or 2
    /// (`AVX512Kernels.depthwiseSlabWindow`).
    public static func depthwiseRowGroupSlab(image: UnsafePointer<Float>, inWidth: Int, channels c: Int, count: Int,
                                             weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                             kernelW: Int, strideW: Int, padLeft: Int, iy0: Int, kyLo: Int, kyHi: Int,
                                             outWidth: Int, low: Float, high: Float, out: UnsafeMutablePointer<Float>) {
        precondition(c % 8 == 0 && count % 8 == 0 && count <= c && (kernelW == 3 || kernelW == 5) && (strideW == 1 || strideW == 2),
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
/// loops unroll.
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
    typealias F8 = AVX2Kernels.F8
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
        if runNarrow(window) { return }              // 7-wide maps at stride 1 (AVX2DepthwiseNarrow.swift)
        let k = W.k, s = W.s
        let top = image + iy0 * inWidth * c          // window row 0 (may lie above the image; never read there)
        // Interior pixels first..<end: every tap column inside the image.
        let first = min(outWidth, (padLeft + s - 1) / s)
        let end = max(first, min(outWidth, (inWidth - k + padLeft) / s + 1))
        let quads = (end - first) / 4
        for ch in stride(from: 0, to: count, by: 32) {
            let groups = min(4, (count - ch) / 8)
            for ow in 0..<first { border(window, top: top, ow: ow, ch: ch, groups: groups) }
            var cg = ch
            while cg + 16 <= ch + 8 * groups {
                for q in 0..<quads { quad16(window, top: top + cg, ow: first + 4 * q, cg: cg) }
                cg += 16
            }
            if cg < ch + 8 * groups {
                for q in 0..<quads { quad8(window, top: top + cg, ow: first + 4 * q, cg: cg) }
            }
            for ow in first + 4 * quads..<outWidth { border(window, top: top, ow: ow, ch: ch, groups: groups) }
        }
    }

    /// Pixels ow..<ow+4 (interior) of the 16 channels at cg; `top` already offset by cg.
    @inline(__always)
    func quad16<W: DepthwiseWindow>(_: W.Type, top: UnsafePointer<Float>, ow: Int, cg: Int) {
        let k = W.k, s = W.s
        let ix0 = ow * s - padLeft
        let b = AVX2Kernels.load(bias + cg), d = AVX2Kernels.load(bias + cg + 8)
        var a0 = b, a1 = b, a2 = b, a3 = b
        var e0 = d, e1 = d, e2 = d, e3 = d
        for ky in kyLo..<kyHi {
            let v = top + (ky * inWidth + ix0) * c
            let wl = weight + ky * k * c + cg
            for kx in 0..<k {
                let w = AVX2Kernels.load(wl + kx * c), x = AVX2Kernels.load(wl + kx * c + 8)
                let v0 = v + kx * c, v1 = v + (s + kx) * c, v2 = v + (2 * s + kx) * c, v3 = v + (3 * s + kx) * c
                a0 = a0.addingProduct(AVX2Kernels.load(v0), w); e0 = e0.addingProduct(AVX2Kernels.load(v0 + 8), x)
                a1 = a1.addingProduct(AVX2Kernels.load(v1), w); e1 = e1.addingProduct(AVX2Kernels.load(v1 + 8), x)
                a2 = a2.addingProduct(AVX2Kernels.load(v2), w); e2 = e2.addingProduct(AVX2Kernels.load(v2 + 8), x)
                a3 = a3.addingProduct(AVX2Kernels.load(v3), w); e3 = e3.addingProduct(AVX2Kernels.load(v3 + 8), x)
            }
        }
        let p = out + ow * c + cg
        finish(a0, p); finish(e0, p + 8); finish(a1, p + c); finish(e1, p + c + 8)
        finish(a2, p + 2 * c); finish(e2, p + 2 * c + 8); finish(a3, p + 3 * c); finish(e3, p + 3 * c + 8)
    }

    /// Pixels ow..<ow+4 (interior) of the 8 channels at cg; `top` already offset by cg.
    @inline(__always)
    func quad8<W: DepthwiseWindow>(_: W.Type, top: UnsafePointer<Float>, ow: Int, cg: Int) {
        let k = W.k, s = W.s
        let ix0 = ow * s - padLeft
        let b = AVX2Kernels.load(bias + cg)
        var a0 = b, a1 = b, a2 = b, a3 = b
        for ky in kyLo..<kyHi {
            let v = top + (ky * inWidth + ix0) * c
            let wl = weight + ky * k * c + cg
            for kx in 0..<k {
                let w = AVX2Kernels.load(wl + kx * c)
                a0 = a0.addingProduct(AVX2Kernels.load(v + kx * c), w)
                a1 = a1.addingProduct(AVX2Kernels.load(v + (s + kx) * c), w)
                a2 = a2.addingProduct(AVX2Kernels.load(v + (2 * s + kx) * c), w)
                a3 = a3.addingProduct(AVX2Kernels.load(v + (3 * s + kx) * c), w)
            }
        }
        let p = out + ow * c + cg
        finish(a0, p); finish(a1, p + c); finish(a2, p + 2 * c); finish(a3, p + 3 * c)
    }

    /// Pixel ow over `groups` ≤ 4 channel groups of 8 from ch, taps clipped to the image, one chain per group.
    @inline(__always)
    func border<W: DepthwiseWindow>(_: W.Type, top: UnsafePointer<Float>, ow: Int, ch: Int, groups: Int) {
        let k = W.k, s = W.s
        let ix0 = ow * s - padLeft
        let kxLo = max(0, -ix0), kxHi = min(k, inWidth - ix0)
        let o = out + ow * c + ch
        if groups == 4 {
            var a0 = AVX2Kernels.load(bias + ch), a1 = AVX2Kernels.load(bias + ch + 8)
            var a2 = AVX2Kernels.load(bias + ch + 16), a3 = AVX2Kernels.load(bias + ch + 24)
            for ky in kyLo..<kyHi {
                let line = top + (ky * inWidth + ix0) * c + ch
                let wl = weight + ky * k * c + ch
                for kx in kxLo..<kxHi {
                    let v = line + kx * c, w = wl + kx * c
                    a0 = a0.addingProduct(AVX2Kernels.load(v), AVX2Kernels.load(w))
                    a1 = a1.addingProduct(AVX2Kernels.load(v + 8), AVX2Kernels.load(w + 8))
                    a2 = a2.addingProduct(AVX2Kernels.load(v + 16), AVX2Kernels.load(w + 16))
                    a3 = a3.addingProduct(AVX2Kernels.load(v + 24), AVX2Kernels.load(w + 24))
                }
            }
            finish(a0, o); finish(a1, o + 8); finish(a2, o + 16); finish(a3, o + 24)
            return
        }
        for g in 0..<groups {
            var a = AVX2Kernels.load(bias + ch + 8 * g)
            for ky in kyLo..<kyHi {
                let line = top + (ky * inWidth + ix0) * c + ch + 8 * g
                let wl = weight + ky * k * c + ch + 8 * g
                for kx in kxLo..<kxHi { a = a.addingProduct(AVX2Kernels.load(line + kx * c), AVX2Kernels.load(wl + kx * c)) }
            }
            finish(a, o + 8 * g)
        }
    }

    /// Stores 8 finished outputs and clamps them while they are in L1 (the activation; a plain loop vectorises).
    @inline(__always)
    func finish(_ v: F8, _ p: UnsafeMutablePointer<Float>) {
        AVX2Kernels.store(v, p)
        AVX2Kernels.clamp(p, count: 8, low, high)
    }
}
