extension AVX512Kernels {
    /// Floats of one zero-padded plane of `depthwiseBackwardBlock`: [PH][PW][16] with PH = H + kh − 1 and
    /// PW = ⌈W/7⌉·7 + kw − 1 (whole 7-pixel strips plus the kernel's reach).
    public static func depthwiseBlockPlaneFloats(height h: Int, width w: Int, kernelH kh: Int, kernelW kw: Int) -> Int {
        (h + kh - 1) * ((w + 6) / 7 * 7 + kw - 1) * 16
    }

    /// Depthwise backward of one image × `blocks` adjacent blocks of 16 channels for stride 1,
    /// dilation 1 and an output as large as the input (OH = H, OW = W: "same" padding, top + bottom = kh − 1,
    /// left + right = kw − 1).
    ///
    /// Why this shape: the row kernel (`depthwiseBackwardRow`) loads x, g and dx and stores dx for every two
    /// multiply-adds. Here both gradients are gathers over zero-padded planes of one block, so no tap needs a bounds
    /// test and every multiply-add costs one load:
    ///   dx[iy][ix] = Σ_{ky,kx} W[ky][kx]·gpad[iy + kh−1−ky][ix + kw−1−kx]   seven dx pixels in registers
    ///                                                                      across all taps, stored once;
    ///   dW[ky][kx] += Σ_{oy,ox} xpad[oy + ky][ox + kx]·g[oy][ox]            seven g pixels in registers
    ///                                                                      across all taps of a row.
    /// Pitfall: a pixel's channels are C floats apart (4.6 kB at C = 1,152), so gathering one block alone touches a
    /// page per pixel and defeats the prefetchers (a perf profile had 40% of the kernel in the one-block gathers):
    /// the copies in and out take `blocks` adjacent blocks of a pixel at once — a whole pixel where the caller can.
    /// - Parameters:
    ///   - dy, x: the image's dy and input at the group's first channel, [H][W] pixels `c` floats apart.
    ///   - gpad, xpad: `blocks` planes each [PH][PW][16] (`depthwiseBlockPlaneFloats` apart), zero outside the
    ///     interior on entry (only the interior is written here, so zero them once per buffer): g lands at rows
    ///     kh−1−top…, columns kw−1−left…; x at rows top…, columns left….
    ///   - weight, dWeight: [kh·kw] taps `c` floats apart, at the group's first channel; dWeight accumulated.
    ///   - dBias: at the group's first channel, accumulated, or nil.
    ///   - dx: [H][W] pixels `c` floats apart at the group's first channel, overwritten, or nil.
    ///   - dxPlanes: `blocks` × [H][W][16] scratch; strip: 7·16 floats of scratch.
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
        // Copy g and x into their padded planes, the group's blocks of a pixel together.
        for iy in 0..<h {
            for ix in 0..<w {
                let src = (iy * w + ix) * c
                let gAt = ((iy + gTop) * pw + gLeft + ix) * 16, xAt = ((iy + top) * pw + left + ix) * 16
                for b in 0..<blocks {
                    store(load(dy + src + b * 16), gpad + b * plane + gAt)
                    store(load(x + src + b * 16), xpad + b * plane + xAt)
                }
            }
        }
        for b in 0..<blocks {
            let gb = gpad + b * plane
            if let dBias {
                var db = F16(repeating: 0)
                for iy in 0..<h { for ix in 0..<w { db += load(gb + ((iy + gTop) * pw + gLeft + ix) * 16) } }
                store(load(dBias + b * 16) + db, dBias + b * 16)
            }
            if dx != nil {
                inputGradient(gpad: gb, pw: pw, h: h, w: w, kh: kh, kw: kw, weight: weight + b * 16, c: c,
                              dx: dxPlanes + b * h * w * 16, strip: strip)
            }
            weightGradient(gpad: gb, xpad: xpad + b * plane, pw: pw, gTop: gTop, gLeft: gLeft, h: h, w: w, kh: kh, kw: kw,
                           c: c, dWeight: dWeight + b * 16)
        }
        if let dx {
            for p in 0..<h * w {
                for b in 0..<blocks { store(load(dxPlanes + (b * h * w + p) * 16), dx + p * c + b * 16) }
            }
        }
    }

    /// dx [H][W][16] by seven-pixel strips: 7 zmm accumulators across every tap, one load of g per multiply-add.
    @inline(__always)
    private static func inputGradient(gpad: UnsafePointer<Float>, pw: Int, h: Int, w: Int, kh: Int, kw: Int,
                                      weight: UnsafePointer<Float>, c: Int, dx: UnsafeMutablePointer<Float>,
                                      strip: UnsafeMutablePointer<Float>) {
        for iy in 0..<h {
            var s = 0
            while s < w {
                var a0 = F16(repeating: 0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0
                for ky in 0..<kh {
                    let row = gpad + ((iy + kh - 1 - ky) * pw + s + kw - 1) * 16
                    for kx in 0..<kw {
                        let wv = load(weight + (ky * kw + kx) * c), b = row - kx * 16
                        a0 = a0.addingProduct(wv, load(b)); a1 = a1.addingProduct(wv, load(b + 16))
                        a2 = a2.addingProduct(wv, load(b + 32)); a3 = a3.addingProduct(wv, load(b + 48))
                        a4 = a4.addingProduct(wv, load(b + 64)); a5 = a5.addingProduct(wv, load(b + 80))
                        a6 = a6.addingProduct(wv, load(b + 96))
                    }
                }
                let out = s + 7 <= w ? dx + (iy * w + s) * 16 : strip   // a partial strip through `strip`
                store(a0, out); store(a1, out + 16); store(a2, out + 32); store(a3, out + 48)
                store(a4, out + 64); store(a5, out + 80); store(a6, out + 96)
                if s + 7 > w { (dx + (iy * w + s) * 16).update(from: strip, count: (w - s) * 16) }
                s += 7
            }
        }
    }

    /// dW by seven-pixel strips of g held in registers; each tap's sum in two chains, added to dW once per strip.
    /// Columns past W read zeros of gpad, so they add nothing.
    @inline(__always)
    private static func weightGradient(gpad: UnsafePointer<Float>, xpad: UnsafePointer<Float>, pw: Int, gTop: Int,
                                       gLeft: Int, h: Int, w: Int, kh: Int, kw: Int, c: Int,
                                       dWeight: UnsafeMutablePointer<Float>) {
        for oy in 0..<h {
            var s = 0
            while s < w {
                let gr = gpad + ((oy + gTop) * pw + gLeft + s) * 16
                let g0 = load(gr), g1 = load(gr + 16), g2 = load(gr + 32), g3 = load(gr + 48)
                let g4 = load(gr + 64), g5 = load(gr + 80), g6 = load(gr + 96)
                for ky in 0..<kh {
                    let xr = xpad + ((oy + ky) * pw + s) * 16
                    for kx in 0..<kw {
                        let b = xr + kx * 16
                        var p = load(b) * g0, q = load(b + 16) * g1
                        p = p.addingProduct(load(b + 32), g2); q = q.addingProduct(load(b + 48), g3)
                        p = p.addingProduct(load(b + 64), g4); q = q.addingProduct(load(b + 80), g5)
                        p = p.addingProduct(load(b + 96), g6)
                        let d = dWeight + (ky * kw + kx) * c
                        store(load(d) + (p + q), d)
                    }
                }
                s += 7
            }
        }
    }
}
