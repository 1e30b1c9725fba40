/// Depthwise rows of 7-wide maps at stride 1 with "same" padding (EfficientNet-Lite's and MobileNetV2's 7×7 blocks at
/// batch 1), part of `AVX2Kernels.depthwiseRowGroups` as of the AVX-512 build's: each 16-channel pair of groups (or a
/// last 8) runs its row as 2 runs of four pixels with the taps clipped at compile time, so border pixels share each
/// weight load over four chains too (a 5×5 window leaves only three interior pixels on a 7-wide row). Each output is
/// the same sum in the same order (bias, then ky, kx ascending over the taps inside the image): identical floats.
/// Measured per layer (Lite0 batch 1, 2 cores): 1.3–1.5× the interior/border path on the 7×7 maps, but 0.73–0.87× on
/// the 14×14 ones, which the AVX-512 build also runs this way; here 14-wide rows keep the interior/border path.

extension AVX2Kernels {
    /// On: 7-wide rows as clipped runs of four; off: interior runs and border pixels (benchmarks compare:
    /// `VectorISA.narrowDepthwise` sets this and the AVX-512 build's `narrowMaps`).
    nonisolated(unsafe) public static var narrowMaps = true
}

/// A map width known at compile time.
protocol NarrowMapWidth { static var n: Int { get } }
enum MapWidth7: NarrowMapWidth { static var n: Int { 7 } }

extension GroupRow {
    /// Runs the row here when the map is 7 wide, the stride 1 and the padding (k − 1) / 2 on the left
    /// (output as wide as the input); false: the caller's general path.
    @inline(__always)
    func runNarrow<W: DepthwiseWindow>(_ window: W.Type) -> Bool {
        guard AVX2Kernels.narrowMaps, W.s == 1, inWidth == outWidth, padLeft == (W.k - 1) / 2 else { return false }
        guard inWidth == 7 else { return false }
        narrow(window, MapWidth7.self)
        return true
    }

    @inline(__always)
    func narrow<W: DepthwiseWindow, N: NarrowMapWidth>(_ window: W.Type, _ width: N.Type) {
        let top = image + iy0 * inWidth * c          // window row 0 (may lie above the image; never read there)
        var cg = 0
        while cg < count {
            let wide = cg + 16 <= count              // two groups (8 chains), else the last 8 channels
            for ow in stride(from: 0, to: N.n, by: 4) {
                if wide { clippedQuad16(window, width, top: top + cg, ow: ow, cg: cg) }
                else { clippedQuad8(window, width, top: top + cg, ow: ow, cg: cg) }
            }
            cg += wide ? 16 : 8
        }
    }

    /// Pixels ow..<min(ow + 4, n) of the 16 channels at cg (`top` already offset by cg); a tap of pixel ow + j
    /// is summed when its input column ow + j + kx − pad lies in 0..<n (constants once unrolled).
    @inline(__always)
    func clippedQuad16<W: DepthwiseWindow, N: NarrowMapWidth>(_: W.Type, _: N.Type, top: UnsafePointer<Float>, ow: Int, cg: Int) {
        let k = W.k, n = N.n, pad = (k - 1) / 2
        func inside(_ j: Int, _ kx: Int) -> Bool { ow + j < n && ow + j + kx - pad >= 0 && ow + j + kx - pad < n }
        let b = AVX2Kernels.load(bias + cg), d = AVX2Kernels.load(bias + cg + 8)
        var a0 = b, a1 = b, a2 = b, a3 = b
        var e0 = d, e1 = d, e2 = d, e3 = d
        for ky in kyLo..<kyHi {
            let v = top + (ky * n + ow - pad) * c
            let wl = weight + ky * k * c + cg
            for kx in 0..<k {
                let w = AVX2Kernels.load(wl + kx * c), x = AVX2Kernels.load(wl + kx * c + 8)
                if inside(0, kx) { let p = v + kx * c; a0 = a0.addingProduct(AVX2Kernels.load(p), w); e0 = e0.addingProduct(AVX2Kernels.load(p + 8), x) }
                if inside(1, kx) { let p = v + (1 + kx) * c; a1 = a1.addingProduct(AVX2Kernels.load(p), w); e1 = e1.addingProduct(AVX2Kernels.load(p + 8), x) }
                if inside(2, kx) { let p = v + (2 + kx) * c; a2 = a2.addingProduct(AVX2Kernels.load(p), w); e2 = e2.addingProduct(AVX2Kernels.load(p + 8), x) }
                if inside(3, kx) { let p = v + (3 + kx) * c; a3 = a3.addingProduct(AVX2Kernels.load(p), w); e3 = e3.addingProduct(AVX2Kernels.load(p + 8), x) }
            }
        }
        let p = out + ow * c + cg
        finish(a0, p); finish(e0, p + 8)
        if ow + 1 < n { finish(a1, p + c); finish(e1, p + c + 8) }
        if ow + 2 < n { finish(a2, p + 2 * c); finish(e2, p + 2 * c + 8) }
        if ow + 3 < n { finish(a3, p + 3 * c); finish(e3, p + 3 * c + 8) }
    }

    /// `clippedQuad16` on the 8 channels at cg.
    @inline(__always)
    func clippedQuad8<W: DepthwiseWindow, N: NarrowMapWidth>(_: W.Type, _: N.Type, top: UnsafePointer<Float>, ow: Int, cg: Int) {
        let k = W.k, n = N.n, pad = (k - 1) / 2
        func inside(_ j: Int, _ kx: Int) -> Bool { ow + j < n && ow + j + kx - pad >= 0 && ow + j + kx - pad < n }
        let b = AVX2Kernels.load(bias + cg)
        var a0 = b, a1 = b, a2 = b, a3 = b
        for ky in kyLo..<kyHi {
            let v = top + (ky * n + ow - pad) * c
            let wl = weight + ky * k * c + cg
            for kx in 0..<k {
                let w = AVX2Kernels.load(wl + kx * c)
                if inside(0, kx) { a0 = a0.addingProduct(AVX2Kernels.load(v + kx * c), w) }
                if inside(1, kx) { a1 = a1.addingProduct(AVX2Kernels.load(v + (1 + kx) * c), w) }
                if inside(2, kx) { a2 = a2.addingProduct(AVX2Kernels.load(v + (2 + kx) * c), w) }
                if inside(3, kx) { a3 = a3.addingProduct(AVX2Kernels.load(v + (3 + kx) * c), w) }
            }
        }
        let p = out + ow * c + cg
        finish(a0, p)
        if ow + 1 < n { finish(a1, p + c) }
        if ow + 2 < n { finish(a2, p + 2 * c) }
        if ow + 3 < n { finish(a3, p + 3 * c) }
    }
}
