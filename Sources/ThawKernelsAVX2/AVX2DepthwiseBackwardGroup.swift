extension AVX2Kernels {
    /// Floats of one zero-padded plane of `depthwiseBackwardGroup`: [PH][PW][16] with PH = H + kh − 1 and
    /// PW = ⌈W/7⌉·7 + kw − 1 — `AVX512Kernels.depthwiseBlockPlaneFloats`' layout, so callers share the scratch sizes.
    public static func depthwiseBlockPlaneFloats(height h: Int, width w: Int, kernelH kh: Int, kernelW kw: Int) -> Int {
        (h + kh - 1) * ((w + 6) / 7 * 7 + kw - 1) * 16
    }

    /// The AVX2 build of `AVX512Kernels.depthwiseBackwardGroup` (same arguments and layouts, same floats): the
    /// depthwise backward of one image × `blocks` adjacent blocks of 16 channels for stride 1, dilation 1 and a
    /// "same" output (OH = H, OW = W), both gradients gathered over zero-padded planes of one block:
    ///   dx[iy][ix] = Σ_{ky,kx} W[ky][kx]·gpad[iy + kh−1−ky][ix + kw−1−kx]
    ///   dW[ky][kx] += Σ_{oy,ox} xpad[oy + ky][ox + kx]·g[oy][ox]
    /// A block's 16 channels run as two halves of 8 (one ymm): seven pixels of a strip in registers per half.
    /// - Parameters: as `AVX512Kernels.depthwiseBackwardGroup` — gpad, xpad zero outside the interior on entry;
    ///   weight, dWeight [kh·kw] taps `c` floats apart; dBias accumulated or nil; dx overwritten or nil;
    ///   dxPlanes `blocks` × [H][W][16] scratch; strip 7·16 floats of scratch.
    public static func depthwiseBackwardGroup(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, channels c: Int,
                                              blocks: Int, height h: Int, width w: Int, kernelH kh: Int, kernelW kw: Int,
                                              padTop top: Int, padLeft left: Int,
                                              gpad: UnsafeMutablePointer<Float>, xpad: UnsafeMutablePointer<Float>,
                                              weight: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                                              dBias: UnsafeMutablePointer<Float>?, dx: UnsafeMutablePointer<Float>?,
                                              dxPlanes: UnsafeMutablePointer<Float>, strip: UnsafeMutablePointer<Float>) {
        let pw = (w + 6) / 7 * 7 + kw - 1
        let plane = depthwiseBlockPlaneFloats(height: h, width: w, kernelH: kh, kernelW: kw)
        let gTop = kh - 1 - top, gLeft = kw - 1 - left
        // Copy g and x into their padded planes, the group's blocks of a pixel together (a pixel's channels are
        // C floats apart: one block at a time would touch a page per pixel).
        for iy in 0..<h {
            for ix in 0..<w {
                let src = (iy * w + ix) * c
                let gAt = ((iy + gTop) * pw + gLeft + ix) * 16, xAt = ((iy + top) * pw + left + ix) * 16
                for b in 0..<blocks {
                    (gpad + b * plane + gAt).update(from: dy + src + b * 16, count: 16)
                    (xpad + b * plane + xAt).update(from: x + src + b * 16, count: 16)
                }
            }
        }
        for b in 0..<blocks {
            let gb = gpad + b * plane
            if let dBias {
                for half in stride(from: 0, to: 16, by: 8) {
                    var db = F8(repeating: 0)
                    for iy in 0..<h { for ix in 0..<w { db += load(gb + ((iy + gTop) * pw + gLeft + ix) * 16 + half) } }
                    store(load(dBias + b * 16 + half) + db, dBias + b * 16 + half)
                }
            }
            if dx != nil {
                depthwiseInputGradient(gpad: gb, pw: pw, h: h, w: w, kh: kh, kw: kw, weight: weight + b * 16, c: c,
                                       dx: dxPlanes + b * h * w * 16, strip: strip)
            }
            depthwiseWeightGradient(gpad: gb, xpad: xpad + b * plane, pw: pw, gTop: gTop, gLeft: gLeft, h: h, w: w,
                                    kh: kh, kw: kw, c: c, dWeight: dWeight + b * 16)
        }
        if let dx {
            for p in 0..<h * w {
                for b in 0..<blocks { (dx + p * c + b * 16).update(from: dxPlanes + (b * h * w + p) * 16, count: 16) }
            }
        }
    }

    /// dx [H][W][16] by seven-pixel strips, per 8-channel half: 7 ymm accumulators across every tap, one load of g
    /// per multiply-add (taps in the AVX-512 build's order).
    @inline(__always)
    private static func depthwiseInputGradient(gpad: UnsafePointer<Float>, pw: Int, h: Int, w: Int, kh: Int, kw: Int,
                                               weight: UnsafePointer<Float>, c: Int, dx: UnsafeMutablePointer<Float>,
                                               strip: UnsafeMutablePointer<Float>) {
        for iy in 0..<h {
            var s = 0
            while s < w {
                let out = s + 7 <= w ? dx + (iy * w + s) * 16 : strip   // a partial strip through `strip`
                for half in stride(from: 0, to: 16, by: 8) {
                    var a0 = F8(repeating: 0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0
                    for ky in 0..<kh {
                        let row = gpad + ((iy + kh - 1 - ky) * pw + s + kw - 1) * 16 + half
                        for kx in 0..<kw {
                            let wv = load(weight + (ky * kw + kx) * c + half), b = row - kx * 16
                            a0 = a0.addingProduct(wv, load(b)); a1 = a1.addingProduct(wv, load(b + 16))
                            a2 = a2.addingProduct(wv, load(b + 32)); a3 = a3.addingProduct(wv, load(b + 48))
                            a4 = a4.addingProduct(wv, load(b + 64)); a5 = a5.addingProduct(wv, load(b + 80))
                            a6 = a6.addingProduct(wv, load(b + 96))
                        }
                    }
                    let o = out + half
                    store(a0, o); store(a1, o + 16); store(a2, o + 32); store(a3, o + 48)
                    store(a4, o + 64); store(a5, o + 80); store(a6, o + 96)
                }
                if s + 7 > w { (dx + (iy * w + s) * 16).update(from: strip, count: (w - s) * 16) }
                s += 7
            }
        }
    }

    /// dW by seven-pixel strips of g held in registers, per 8-channel half; each tap's sum in two chains, added to dW
    /// once per strip (the AVX-512 build's order). Columns past W read zeros of gpad, so they add nothing.
    @inline(__always)
    private static func depthwiseWeightGradient(gpad: UnsafePointer<Float>, xpad: UnsafePointer<Float>, pw: Int, gTop: Int,
                                                gLeft: Int, h: Int, w: Int, kh: Int, kw: Int, c: Int,
                                                dWeight: UnsafeMutablePointer<Float>) {
        for oy in 0..<h {
            var s = 0
            while s < w {
                for half in stride(from: 0, to: 16, by: 8) {
                    let gr = gpad + ((oy + gTop) * pw + gLeft + s) * 16 + half
                    let g0 = load(gr), g1 = load(gr + 16), g2 = load(gr + 32), g3 = load(gr + 48)
                    let g4 = load(gr + 64), g5 = load(gr + 80), g6 = load(gr + 96)
                    for ky in 0..<kh {
                        let xr = xpad + ((oy + ky) * pw + s) * 16 + half
                        for kx in 0..<kw {
                            let b = xr + kx * 16
                            var p = load(b) * g0, q = load(b + 16) * g1
                            p = p.addingProduct(load(b + 32), g2); q = q.addingProduct(load(b + 48), g3)
                            p = p.addingProduct(load(b + 64), g4); q = q.addingProduct(load(b + 80), g5)
                            p = p.addingProduct(load(b + 96), g6)
                            let d = dWeight + (ky * kw + kx) * c + half
                            store(load(d) + (p + q), d)
                        }
                    }
                }
                s += 7
            }
        }
    }
}
