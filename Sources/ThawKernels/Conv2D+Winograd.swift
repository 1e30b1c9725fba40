import Dispatch
import ThawBLAS
import ThawKernelsAVX2
import ThawKernelsAVX512

extension Conv2DShape {
    /// A shape Winograd F(4×4, 3×3) can run: 3×3, stride 1, undilated, ungrouped, channel counts
    /// multiples of 8 (the transforms run on 8 channels at once). Any padding.
    public var allowsWinograd: Bool {
        kernelH == 3 && kernelW == 3 && strideH == 1 && strideW == 1 && dilationH == 1 && dilationW == 1
            && groups == 1 && inChannels % 8 == 0 && outChannels % 8 == 0
    }
}

extension Conv2D {
    /// This convolution with its Winograd filter transform U [36][Cin][Cout] computed once
    /// (from the current, e.g. BatchNorm-folded, weights), so `forward` may take the Winograd path
    /// where `WinogradChoice` says it pays. Unchanged when the shape does not allow it. On AVX-512 CPUs
    /// with Cout a multiple of 64, U is stored as 64-column panels per position (`winogradFilterInPanels`).
    ///
    /// For frozen weights only: U is not updated when the weights change (fine-tuning builds
    /// its convolutions from the trained weights without it and stays on im2col).
    public func preparingWinograd() -> Conv2D {
        guard shape.allowsWinograd else { return self }
        precondition(panelWeight == nil, "Conv2D.preparingWinograd: call it before preparingPanels(), which empties `weight`")
        var prepared = self
        let cin = shape.inChannels, cout = shape.outChannels, w = AVX512Kernels.panelWidth
        let u = WinogradF43.transformFilter(weight, inChannels: cin, outChannels: cout)
        guard CPUFeatures.current.hasAVX512, cout % w == 0 else {
            prepared.winogradFilter = u
            return prepared
        }
        // Per position ξ, U[ξ] [Cin, Cout] as panels [Cout/64][Cin][64] (the same floats, reordered).
        var packed = [Float](repeating: 0, count: u.count)
        let plane = cin * cout
        for p in 0..<WinogradF43.positions {
            for panel in 0..<(cout / w) {
                for ci in 0..<cin {
                    for j in 0..<w { packed[p * plane + (panel * cin + ci) * w + j] = u[p * plane + ci * cout + panel * w + j] }
                }
            }
        }
        prepared.winogradFilter = packed
        prepared.winogradFilterInPanels = true
        return prepared
    }

    /// y [N, OH, OW, Cout] = act(conv(x) + bias) through F(4×4, 3×3); the caller checked
    /// `shape.allowsWinograd` and holds U.
    ///
    /// Tiles (4×4 output pixels each, row-major over images) run in chunks of `count` tiles:
    ///   V [36][count][Cin]  ← input transform, in parallel over tiles (AVX-512 or AVX2 build)
    ///   M [36][count][Cout] ← 36 GEMMs V[ξ] · U[ξ], in parallel over ξ (each single-threaded; the AVX-512
    ///                         panel kernel when U is stored in panels)
    ///   y                   ← output transform + bias + activation, in parallel over tiles
    func forwardWinograd(_ x: UnsafePointer<Float>, batch n: Int, geometry geo: WindowGeometry,
                         filter u: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, workspace: Workspace) {
        let cin = shape.inChannels, cout = shape.outChannels
        let h = geo.inHeight, w = geo.inWidth, oh = geo.outHeight, ow = geo.outWidth
        let tilesW = (ow + 3) / 4
        let perImage = ((oh + 3) / 4) * tilesW
        let total = n * perImage
        let chunk = WinogradChoice.tilesPerChunk(total: total, inChannels: cin, outChannels: cout)
        let positions = WinogradF43.positions
        let v = workspace.take(positions * chunk * cin)     // [36][chunk][Cin]
        let m = workspace.take(positions * chunk * cout)    // [36][chunk][Cout]
        let (low, high) = WinogradF43.clamps(activation)
        // The AVX-512 tile transforms (16 channels per register) where the CPU has them and both channel
        // counts are multiples of 16 (every ResNet layer); else the AVX2 ones (8 channels).
        let wide = WinogradChoice.wideTransforms && VectorISA.avx512 && cin % 16 == 0 && cout % 16 == 0
        // U in panels: its 36 GEMMs on the AVX-512 panel kernel (no packing per call) where allowed.
        let panels = winogradFilterInPanels, width = AVX512Kernels.panelWidth
        let panelKernel = panels && VectorISA.avx512 && ConvTiles.panelKernel
        let run = { (bias: UnsafePointer<Float>?) in
            var t0 = 0
            while t0 < total {
                let count = min(chunk, total - t0)
                ParallelRows.run(count, grain: max(1, 2048 / cin)) { part in
                    if wide {
                        withUnsafeTemporaryAllocation(of: AVX512WinogradTiles.F16.self, capacity: positions) { scratch in
                            for i in part {
                                let t = t0 + i, image = t / perImage, r = t % perImage
                                AVX512WinogradTiles.inputTile(x + image * h * w * cin, height: h, width: w, channels: cin,
                                                              y0: (r / tilesW) * 4 - geo.pad.top, x0: (r % tilesW) * 4 - geo.pad.left,
                                                              into: v + i * cin, positionStride: chunk * cin, scratch: scratch.baseAddress!)
                            }
                        }
                        return
                    }
                    withUnsafeTemporaryAllocation(of: WinogradTiles.F8.self, capacity: positions) { scratch in
                        for i in part {
                            let t = t0 + i, image = t / perImage, r = t % perImage
                            WinogradTiles.inputTile(x + image * h * w * cin, height: h, width: w, channels: cin,
                                                    y0: (r / tilesW) * 4 - geo.pad.top, x0: (r % tilesW) * 4 - geo.pad.left,
                                                    into: v + i * cin, positionStride: chunk * cin, scratch: scratch.baseAddress!)
                        }
                    }
                }
                BLAS.singleThreaded {
                    DispatchQueue.concurrentPerform(iterations: positions) { p in
                        let a = v + p * chunk * cin, b = u + p * cin * cout, c = m + p * chunk * cout
                        if !panels {
                            BLAS.sgemm(m: count, n: cout, k: cin, a: a, lda: cin, b: b, ldb: cout, c: c, ldc: cout)
                        } else if panelKernel {
                            AVX512Kernels.panelGEMM(rows: count, k: cin, a: a, lda: cin, packed: b, panels: 0..<(cout / width),
                                                    c: c, ldc: cout, bias: nil, residual: nil, ldr: 0, low: -.infinity, high: .infinity)
                        } else {                    // packed U without the panel kernel: one sgemm per panel (ldb = 64)
                            for panel in 0..<(cout / width) {
                                BLAS.sgemm(m: count, n: width, k: cin, a: a, lda: cin, b: b + panel * cin * width, ldb: width,
                                           c: c + panel * width, ldc: cout)
                            }
                        }
                    }
                }
                ParallelRows.run(count, grain: max(1, 2048 / cout)) { part in
                    if wide {
                        withUnsafeTemporaryAllocation(of: AVX512WinogradTiles.F16.self, capacity: 24) { scratch in
                            for i in part {
                                let t = t0 + i, image = t / perImage, r = t % perImage
                                AVX512WinogradTiles.outputTile(m + i * cout, positionStride: chunk * cout, channels: cout,
                                                               bias: bias, clampLow: low, clampHigh: high, into: y + image * oh * ow * cout,
                                                               height: oh, width: ow, y0: (r / tilesW) * 4, x0: (r % tilesW) * 4,
                                                               scratch: scratch.baseAddress!)
                            }
                        }
                        return
                    }
                    withUnsafeTemporaryAllocation(of: WinogradTiles.F8.self, capacity: 24) { scratch in
                        for i in part {
                            let t = t0 + i, image = t / perImage, r = t % perImage
                            WinogradTiles.outputTile(m + i * cout, positionStride: chunk * cout, channels: cout,
                                                     bias: bias, clampLow: low, clampHigh: high, into: y + image * oh * ow * cout,
                                                     height: oh, width: ow, y0: (r / tilesW) * 4, x0: (r % tilesW) * 4,
                                                     scratch: scratch.baseAddress!)
                        }
                    }
                }
                t0 += count
            }
        }
        if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
    }
}
