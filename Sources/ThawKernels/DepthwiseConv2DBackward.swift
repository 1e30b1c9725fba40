/// Backward of `DepthwiseConv2D.forward`: dx, dW [kh][kw][C] and db [C].
///
/// Channels are independent in a depthwise convolution, so the work is split over blocks of
/// 16 channels (one cache line of NHWC per pixel): each task owns its channels' dx, dW and db
/// outright — no per-thread copies of dW to reduce, and no races on dx between overlapping
/// windows. Within a block every output pixel's gradient g (16 lanes, masked by the activation)
/// is spread over its taps: dW[tap] += x·g, dx += W[tap]·g, in SIMD16 registers.
extension DepthwiseConv2D {
    /// - Parameters:
    ///   - x: [N, H, W, C], the forward input; y: [N, OH, OW, C], its output (read only when
    ///     `activation` is not identity); dy: [N, OH, OW, C].
    ///   - dx: [N, H, W, C], overwritten, or nil.
    ///   - dWeight: [kh][kw][C] (the layout of `weight`), accumulated. dBias: [C] or nil, accumulated.
    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>?, dy: UnsafePointer<Float>,
                         batch n: Int, height h: Int, width w: Int,
                         dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>,
                         dBias: UnsafeMutablePointer<Float>?) {
        precondition(activation == .identity || y != nil,
                     "DepthwiseConv2D.backward: the output y is needed for the \(activation) mask")
        let g = geometry(height: h, width: w)
        let c = channels
        dx?.update(repeating: 0, count: n * h * w * c)
        let blocks = (c + 15) / 16
        let work = n * g.outPixels * g.kernelH * g.kernelW * 16
        weight.withUnsafeBufferPointer { wb in
            let wp = wb.baseAddress!
            ParallelRows.run(blocks, grain: max(1, 65536 / max(work, 1))) { part in
                for b in part {
                    let c0 = b * 16, c1 = min(c, c0 + 16)
                    var ch = c0
                    while ch + 16 <= c1 { block(SIMD16<Float>.self, ch, x, y, dy, wp, g, n, dx, dWeight, dBias); ch += 16 }
                    while ch + 4 <= c1 { block(SIMD4<Float>.self, ch, x, y, dy, wp, g, n, dx, dWeight, dBias); ch += 4 }
                    while ch < c1 { scalarBlock(ch, x, y, dy, wp, g, n, dx, dWeight, dBias); ch += 1 }
                }
            }
        }
    }

    /// All pixels for channels ch..<ch+V.scalarCount.
    @inline(__always)
    private func block<V: SIMD>(_: V.Type, _ ch: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>?,
                                _ dy: UnsafePointer<Float>, _ wp: UnsafePointer<Float>, _ g: WindowGeometry, _ n: Int,
                                _ dx: UnsafeMutablePointer<Float>?, _ dW: UnsafeMutablePointer<Float>,
                                _ dB: UnsafeMutablePointer<Float>?) where V.Scalar == Float {
        let c = channels, kw = g.kernelW
        var db = V()
        for img in 0..<n {
            let xi = x + img * g.inHeight * g.inWidth * c + ch
            let dxi = dx.map { $0 + img * g.inHeight * g.inWidth * c + ch }
            for oh in 0..<g.outHeight {
                let iy0 = oh * g.strideH - g.pad.top
                let kyLo = iy0 >= 0 ? 0 : (-iy0 + g.dilationH - 1) / g.dilationH
                let kyHi = min(g.kernelH, (g.inHeight - iy0 + g.dilationH - 1) / g.dilationH)
                for ow in 0..<g.outWidth {
                    let o = ((img * g.outHeight + oh) * g.outWidth + ow) * c + ch
                    var grad = UnsafeRawPointer(dy + o).loadUnaligned(as: V.self)
                    if let y, activation != .identity {
                        let yv = UnsafeRawPointer(y + o).loadUnaligned(as: V.self)
                        var pass = yv .> V()
                        if activation == .relu6 { pass = pass .& (yv .< V(repeating: 6)) }
                        grad.replace(with: 0, where: .!pass)
                    }
                    db += grad
                    let ix0 = ow * g.strideW - g.pad.left
                    let kxLo = ix0 >= 0 ? 0 : (-ix0 + g.dilationW - 1) / g.dilationW
                    let kxHi = min(kw, (g.inWidth - ix0 + g.dilationW - 1) / g.dilationW)
                    for ky in kyLo..<kyHi {
                        let line = ((iy0 + ky * g.dilationH) * g.inWidth + ix0) * c
                        for kx in kxLo..<kxHi {
                            let at = line + kx * g.dilationW * c
                            let tap = (ky * kw + kx) * c + ch
                            let xv = UnsafeRawPointer(xi + at).loadUnaligned(as: V.self)
                            let dwp = UnsafeMutableRawPointer(dW + tap)
                            dwp.storeBytes(of: dwp.loadUnaligned(as: V.self) + xv * grad, as: V.self)
                            if let dxi {
                                let wv = UnsafeRawPointer(wp + tap).loadUnaligned(as: V.self)
                                let dxp = UnsafeMutableRawPointer(dxi + at)
                                dxp.storeBytes(of: dxp.loadUnaligned(as: V.self) + wv * grad, as: V.self)
                            }
                        }
                    }
                }
            }
        }
        if let dB {
            let p = UnsafeMutableRawPointer(dB + ch)
            p.storeBytes(of: p.loadUnaligned(as: V.self) + db, as: V.self)
        }
    }

    /// Channel `ch` alone (tails of channel counts not divisible by 4).
    private func scalarBlock(_ ch: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>?,
                             _ dy: UnsafePointer<Float>, _ wp: UnsafePointer<Float>, _ g: WindowGeometry, _ n: Int,
                             _ dx: UnsafeMutablePointer<Float>?, _ dW: UnsafeMutablePointer<Float>,
                             _ dB: UnsafeMutablePointer<Float>?) {
        let c = channels
        var db: Float = 0
        for img in 0..<n {
            let base = img * g.inHeight * g.inWidth * c + ch
            for oh in 0..<g.outHeight {
                for ow in 0..<g.outWidth {
                    let o = ((img * g.outHeight + oh) * g.outWidth + ow) * c + ch
                    var grad = dy[o]
                    if let y, activation != .identity {
                        let v = y[o]
                        if !(v > 0 && (activation == .relu || v < 6)) { grad = 0 }
                    }
                    db += grad
                    for ky in 0..<g.kernelH {
                        let iy = oh * g.strideH - g.pad.top + ky * g.dilationH
                        if iy < 0 || iy >= g.inHeight { continue }
                        for kx in 0..<g.kernelW {
                            let ix = ow * g.strideW - g.pad.left + kx * g.dilationW
                            if ix < 0 || ix >= g.inWidth { continue }
                            let at = base + (iy * g.inWidth + ix) * c, tap = (ky * g.kernelW + kx) * c + ch
                            dW[tap] += x[at] * grad
                            dx?[at] += wp[tap] * grad
                        }
                    }
                }
            }
        }
        dB?[ch] += db
    }
}
