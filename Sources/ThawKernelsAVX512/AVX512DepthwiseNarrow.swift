/// Depthwise rows of 7- and 14-wide maps at stride 1 with "same" padding (EfficientNet-Lite's and MobileNetV2's
/// 7×7 and 14×14 blocks at batch 1), part of `depthwiseRowGroups`: there a 5×5 window leaves only three interior
/// pixels on a 7-wide row (no run of four), so every pixel took the border path — one pixel at a time, an input
/// and a weight load per multiply-add. Here each 16-channel group runs its row as 2 (7 wide) or 4 (14 wide)
/// runs of four pixels with the taps clipped at compile time (the map width and window are constants), so
/// every run shares each weight load over four accumulator chains, border pixels included.
/// Each output is the same sum in the same order (bias, then ky, kx ascending over the taps inside the image):
/// identical floats to the border and interior paths.
extension AVX512Kernels {
    /// On: 7- and 14-wide rows as clipped runs of four; off: interior runs and border pixels (benchmarks compare).
    nonisolated(unsafe) public static var narrowMaps = true
}

/// A map width known at compile time.
protocol NarrowMapWidth { static var n: Int { get } }
enum MapWidth7: NarrowMapWidth { static var n: Int { 7 } }
enum MapWidth14: NarrowMapWidth { static var n: Int { 14 } }

extension GroupRow {
    /// Runs the row here when the map is 7 or 14 wide, the stride 1 and the padding (k − 1) / 2 on the left
    /// (output as wide as the input); false: the caller's general path.
    @inline(__always)
    func runNarrow<W: DepthwiseWindow>(_ window: W.Type) -> Bool {
        guard AVX512Kernels.narrowMaps, W.s == 1, inWidth == outWidth, padLeft == (W.k - 1) / 2 else { return false }
        switch inWidth {
        case 7: narrow(window, MapWidth7.self)
        case 14: narrow(window, MapWidth14.self)
        default: return false
        }
        return true
    }

    @inline(__always)
    func narrow<W: DepthwiseWindow, N: NarrowMapWidth>(_ window: W.Type, _ width: N.Type) {
        let top = image + iy0 * inWidth * c          // window row 0 (may lie above the image; never read there)
        for cg in stride(from: 0, to: count, by: 16) {
            let b = AVX512Kernels.load(bias + cg)
            clippedQuad(window, width, top: top + cg, b: b, ow: 0, cg: cg)
            clippedQuad(window, width, top: top + cg, b: b, ow: 4, cg: cg)
            if N.n > 8 {
                clippedQuad(window, width, top: top + cg, b: b, ow: 8, cg: cg)
                clippedQuad(window, width, top: top + cg, b: b, ow: 12, cg: cg)
            }
        }
    }

    /// Pixels ow..<min(ow + 4, n) of the 16 channels at cg (`top` already offset by cg); a tap of pixel ow + j
    /// is summed when its input column ow + j + kx − pad lies in 0..<n (constants after inlining).
    @_transparent                                    // as `finish`: a call per run of four otherwise (b in four xmm)
    func clippedQuad<W: DepthwiseWindow, N: NarrowMapWidth>(_: W.Type, _: N.Type, top: UnsafePointer<Float>, b: F16, ow: Int, cg: Int) {
        let k = W.k, n = N.n, pad = (k - 1) / 2
        func inside(_ j: Int, _ kx: Int) -> Bool { ow + j < n && ow + j + kx - pad >= 0 && ow + j + kx - pad < n }
        var a0 = b, a1 = b, a2 = b, a3 = b
        for ky in kyLo..<kyHi {
            let v = top + (ky * n + ow - pad) * c
            let wl = weight + ky * k * c + cg
            for kx in 0..<k {
                let w = AVX512Kernels.load(wl + kx * c)
                if inside(0, kx) { a0 = a0.addingProduct(AVX512Kernels.load(v + kx * c), w) }
                if inside(1, kx) { a1 = a1.addingProduct(AVX512Kernels.load(v + (1 + kx) * c), w) }
                if inside(2, kx) { a2 = a2.addingProduct(AVX512Kernels.load(v + (2 + kx) * c), w) }
                if inside(3, kx) { a3 = a3.addingProduct(AVX512Kernels.load(v + (3 + kx) * c), w) }
            }
        }
        let p = out + ow * c + cg
        finish(a0, p)
        if ow + 1 < n { finish(a1, p + c) }
        if ow + 2 < n { finish(a2, p + 2 * c) }
        if ow + 3 < n { finish(a3, p + 3 * c) }
    }
}
