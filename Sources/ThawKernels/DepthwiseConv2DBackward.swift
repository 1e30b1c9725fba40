import Dispatch

/// Backward of `DepthwiseConv2D.forward`: dx, dW [kh][kw][C] and db [C].
///
/// Loop order, per output row (n, oh) and tap (ky, kx): the output columns whose tap lands
/// inside the image form one range, so for each vector of channels the dW accumulator stays in
/// a register across the row while dx[iy, ix] += W[tap]·g streams along it. dy is masked by
/// the activation (read from y) once per output row into task-local scratch.
///
/// Parallel split: with at least as many images as cores, each task takes whole images and
/// accumulates into its own zeroed dW/db, reduced in task order afterwards (deterministic;
/// dx never races since images are disjoint). With fewer images (batch 1), tasks take disjoint
/// blocks of 16 channels instead and write dW/db directly.
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
        if backwardInBlocks(x: x, y: y, dy: dy, batch: n, height: h, width: w, dx: dx, dWeight: dWeight, dBias: dBias) {
            return   // stride-1 "same" layers on AVX-512: DepthwiseConv2DBackward+Blocks.swift
        }
        let g = geometry(height: h, width: w)
        let c = channels, taps = kernelH * kernelW
        dx?.update(repeating: 0, count: n * h * w * c)
        let cores = ParallelRows.cores
        let byImage = n >= cores || c < 32
        let tasks = byImage ? min(n, cores) : min(cores, (c + 15) / 16)
        let rowFloats = g.outWidth * c
        // [tasks][OW·C] masked-dy rows; with images split, also [tasks][taps·C + C] partial dW, db.
        let partialFloats = byImage && tasks > 1 ? taps * c + c : 0
        var scratch = [Float](repeating: 0, count: tasks * (rowFloats + partialFloats))
        weight.withUnsafeBufferPointer { wb in
            scratch.withUnsafeMutableBufferPointer { sb in
                let wp = wb.baseAddress!, s = sb.baseAddress!
                let run = { (t: Int) in
                    let row = s + t * (rowFloats + partialFloats)
                    if byImage {
                        let per = (n + tasks - 1) / tasks
                        let images = t * per..<min(n, (t + 1) * per)
                        let dW = partialFloats > 0 ? row + rowFloats : dWeight
                        let dB = partialFloats > 0 ? row + rowFloats + taps * c : dBias
                        self.accumulate(images: images, channels: 0..<c, x, y, dy, wp, g, dx, dW, dB, row)
                    } else {
                        let blocks = (c + 15) / 16, per = (blocks + tasks - 1) / tasks
                        let range = min(c, t * per * 16)..<min(c, (t + 1) * per * 16)
                        self.accumulate(images: 0..<n, channels: range, x, y, dy, wp, g, dx, dWeight, dBias, row)
                    }
                }
                if tasks == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: tasks, execute: run) }
                if partialFloats > 0 {
                    for t in 0..<tasks {
                        let p = s + t * (rowFloats + partialFloats) + rowFloats
                        for i in 0..<taps * c { dWeight[i] += p[i] }
                        if let dBias { for j in 0..<c { dBias[j] += p[taps * c + j] } }
                    }
                }
            }
        }
    }

    /// Gradients of `images` × `channels`; `row` is scratch for one masked output row [OW, C].
    private func accumulate(images: Range<Int>, channels cr: Range<Int>, _ x: UnsafePointer<Float>,
                            _ y: UnsafePointer<Float>?, _ dy: UnsafePointer<Float>, _ wp: UnsafePointer<Float>,
                            _ g: WindowGeometry, _ dx: UnsafeMutablePointer<Float>?,
                            _ dW: UnsafeMutablePointer<Float>, _ dB: UnsafeMutablePointer<Float>?,
                            _ row: UnsafeMutablePointer<Float>) {
        if cr.isEmpty { return }
        let c = channels, ow = g.outWidth
        for img in images {
            let xi = x + img * g.inHeight * g.inWidth * c
            let dxi = dx.map { $0 + img * g.inHeight * g.inWidth * c }
            for oh in 0..<g.outHeight {
                let o = (img * g.outHeight + oh) * ow * c
                for p in 0..<ow {
                    let src = dy + o + p * c, dst = row + p * c
                    if let y, activation != .identity {
                        activation.backwardSerial(y: y + o + p * c + cr.lowerBound, dy: src + cr.lowerBound,
                                                  count: cr.count, dx: dst + cr.lowerBound)
                    } else {
                        (dst + cr.lowerBound).update(from: src + cr.lowerBound, count: cr.count)
                    }
                    if let dB { for j in cr { dB[j] += dst[j] } }
                }
                let iy0 = oh * g.strideH - g.pad.top
                if TrainingKernels.fused, let build = VectorISA.packedBuild, g.dilationH == 1 && g.dilationW == 1 {
                    // One zmm per 16 channels (ymm per 8 on AVX2), fused multiply-adds (depthwiseBackwardRow).
                    build.depthwiseBackwardRow(image: xi, dImage: dxi, inHeight: g.inHeight, inWidth: g.inWidth,
                                               channels: c, chLo: cr.lowerBound, chHi: cr.upperBound, g: row,
                                               weight: wp, dWeight: dW, kernelH: g.kernelH, kernelW: g.kernelW,
                                               strideW: g.strideW, padLeft: g.pad.left, iy0: iy0, outWidth: ow)
                    continue
                }
                for ky in 0..<g.kernelH {
                    let iy = iy0 + ky * g.dilationH
                    if iy < 0 || iy >= g.inHeight { continue }
                    for kx in 0..<g.kernelW {
                        // Output columns whose tap lies inside the image: 0 ≤ p·s − left + kx·d < W.
                        let shift = kx * g.dilationW - g.pad.left
                        let lo = shift >= 0 ? 0 : (-shift + g.strideW - 1) / g.strideW
                        let last = g.inWidth - 1 - shift
                        if last < 0 { continue }
                        let hi = min(ow, last / g.strideW + 1)
                        if lo >= hi { continue }
                        let line = (iy * g.inWidth + shift) * c   // + p·s·C for column p
                        let tap = (ky * g.kernelW + kx) * c
                        var ch = cr.lowerBound
                        while ch + 16 <= cr.upperBound {
                            lanes(SIMD16<Float>.self, ch, lo..<hi, xi + line, dxi.map { $0 + line }, row, wp + tap, dW + tap, g.strideW)
                            ch += 16
                        }
                        while ch + 4 <= cr.upperBound {
                            lanes(SIMD4<Float>.self, ch, lo..<hi, xi + line, dxi.map { $0 + line }, row, wp + tap, dW + tap, g.strideW)
                            ch += 4
                        }
                        while ch < cr.upperBound {
                            var acc = dW[tap + ch]
                            let wv = wp[tap + ch]
                            for p in lo..<hi {
                                let gv = row[p * c + ch], at = p * g.strideW * c + ch
                                acc += xi[line + at] * gv
                                dxi?[line + at] += wv * gv
                            }
                            dW[tap + ch] = acc
                            ch += 1
                        }
                    }
                }
            }
        }
    }

    /// One tap, channels ch..<ch+V.scalarCount, along output columns `cols`: dW in a register.
    /// `xl`/`dxl` point at the input row shifted by the tap (column p reads p·stride·C further).
    @inline(__always)
    private func lanes<V: SIMD>(_: V.Type, _ ch: Int, _ cols: Range<Int>, _ xl: UnsafePointer<Float>,
                                _ dxl: UnsafeMutablePointer<Float>?, _ row: UnsafePointer<Float>,
                                _ w: UnsafePointer<Float>, _ dW: UnsafeMutablePointer<Float>, _ stride: Int)
        where V.Scalar == Float {
        let c = channels
        var acc = UnsafeRawPointer(dW + ch).loadUnaligned(as: V.self)
        let wv = UnsafeRawPointer(w + ch).loadUnaligned(as: V.self)
        for p in cols {
            let gv = UnsafeRawPointer(row + p * c + ch).loadUnaligned(as: V.self)
            let at = p * stride * c + ch
            acc += UnsafeRawPointer(xl + at).loadUnaligned(as: V.self) * gv
            if let dxl {
                let d = UnsafeMutableRawPointer(dxl + at)
                d.storeBytes(of: d.loadUnaligned(as: V.self) + wv * gv, as: V.self)
            }
        }
        UnsafeMutableRawPointer(dW + ch).storeBytes(of: acc, as: V.self)
    }
}
