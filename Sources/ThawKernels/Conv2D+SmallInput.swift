extension Conv2D {
    /// Dense convolutions over few input channels — the stems of EfficientNet-Lite and MobileNetV2
    /// (3×3 stride 2, 3 → 32: a K = 27 GEMM, which ran at ≈5 GFLOP/s through im2col at 112×112) — run
    /// straight from the NHWC input on AVX-512 and AVX2+FMA CPUs (`VectorISA.packedKernels`): patch ≤ 32 floats, groups 1, dilation 1, Cout a
    /// multiple of 16. Larger patches (ResNet's 7×7 stem, K = 147) stay on im2col + GEMM.
    public var runsSmallInputKernel: Bool {
        let s = shape
        return VectorISA.packedKernels && s.groups == 1 && s.patchSize <= 32 && s.outChannels % 16 == 0
            && s.dilationH == 1 && s.dilationW == 1 && !s.isPointwise
    }

    /// y [N, OH, OW, Cout] = act(conv(x) + bias) by `AVX512Kernels.smallInputConvRow` (or its AVX2 build,
    /// the same floats), output rows over the cores.
    func forwardSmallInput(_ x: UnsafePointer<Float>, batch n: Int, geometry g: WindowGeometry, into y: UnsafeMutablePointer<Float>) {
        ParallelRows.run(n * g.outHeight, grain: smallInputGrain(g)) { smallInputRows(x, geometry: g, rows: $0, into: y) }
    }

    /// `forwardSmallInput` of x [n, h, w, Cin] on the calling thread (an image chain's stem); each row is computed
    /// alone: the same floats. Needs `runsSmallInputKernel`.
    public func forwardSmallInputSerial(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                                        into y: UnsafeMutablePointer<Float>) {
        let g = shape.geometry(height: h, width: w)
        smallInputRows(x, geometry: g, rows: 0..<n * g.outHeight, into: y)
    }

    /// `forwardSmallInput`'s output rows as one phase of the same parts (for a caller that chains it with later
    /// stages: `PhaseChain`), or nil without `runsSmallInputKernel`. Each row is computed alone: the same floats.
    public func smallInputPhase(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                                into y: UnsafeMutablePointer<Float>) -> Phase? {
        guard runsSmallInputKernel else { return nil }
        let g = shape.geometry(height: h, width: w), count = n * g.outHeight
        let tasks = min(ParallelRows.cores * 4, max(1, count / smallInputGrain(g))), per = (count + tasks - 1) / tasks
        return Phase(count: tasks) { t in
            let lo = t * per, hi = min(count, lo + per)
            if lo < hi { smallInputRows(x, geometry: g, rows: lo..<hi, into: y) }
        }
    }

    /// Output rows worth a task: ≈ 8 Ki outputs.
    private func smallInputGrain(_ g: WindowGeometry) -> Int { max(1, 8192 / max(g.outWidth * shape.outChannels, 1)) }

    /// Output rows `rows` (image-major: row r is row r % OH of image r / OH) of `forwardSmallInput`.
    private func smallInputRows(_ x: UnsafePointer<Float>, geometry g: WindowGeometry, rows: Range<Int>, into y: UnsafeMutablePointer<Float>) {
        let cin = shape.inChannels, cout = shape.outChannels
        let (low, high) = activation.clampBounds
        guard let build = VectorISA.packedBuild else { preconditionFailure("forwardSmallInput needs runsSmallInputKernel") }
        let b = bias ?? [Float](repeating: 0, count: cout)
        weight.withUnsafeBufferPointer { wb in
            b.withUnsafeBufferPointer { bb in
                let wp = wb.baseAddress!, bp = bb.baseAddress!
                for r in rows {
                    let image = r / g.outHeight, oh = r % g.outHeight
                    let iy0 = oh * g.strideH - g.pad.top
                    let kyLo = max(0, -iy0), kyHi = min(g.kernelH, g.inHeight - iy0)
                    let xi = x + image * g.inHeight * g.inWidth * cin, o = y + r * g.outWidth * cout
                    build.smallInputConvRow(
                        image: xi, inWidth: g.inWidth, inChannels: cin, outChannels: cout, weight: wp, bias: bp,
                        kernelW: g.kernelW, strideW: g.strideW, padLeft: g.pad.left, iy0: iy0, kyLo: kyLo, kyHi: kyHi,
                        outWidth: g.outWidth, low: low, high: high, out: o)
                }
            }
        }
    }
}
