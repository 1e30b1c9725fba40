import ThawKernelsAVX512

/// Depthwise 2-D convolution (groups == channels, one filter per channel) over NHWC.
///
/// Channels are contiguous in NHWC, so each output pixel is computed 16 channels at a time:
/// the accumulator starts at the bias and stays in registers across all kh·kw taps; the
/// activation runs over each finished output row. Work is split over output rows (n, oh) on
/// all cores. Taps that fall in the padding are skipped by clipping the tap range per pixel.
///
/// A backward pass needs the input x and the output y (for the activation mask).
public struct DepthwiseConv2D: Sendable {
    /// AVX-512 rows four output pixels per channel group (`depthwiseRowPixels4`, identical results);
    /// off: one pixel and four channel groups at a time (`depthwiseRow`). Off by default: on a loaded
    /// 2-core machine (load 15) the fastest of 60 runs per layer was no faster with it (MobileNetV2 batch 1;
    /// stride-2 layers 1.3–2× slower). Benchmarks compare both (`--dw4`).
    nonisolated(unsafe) public static var fourPixels = false
    /// AVX-512 rows by 16-channel groups, four interior pixels per group at a time, 3×3/5×5 windows specialised
    /// (`depthwiseRowGroups`, identical results): 1.1–2.6× `depthwiseRow` on one core at Lite0's batch-1 shapes.
    /// Off: `depthwiseRow` (benchmarks compare both: `--dw-plain`).
    nonisolated(unsafe) public static var groupRows = true
    public let channels: Int
    public let kernelH: Int, kernelW: Int
    public let strideH: Int, strideW: Int
    public let dilationH: Int, dilationW: Int
    public let padding: Padding2D
    /// [kh][kw][C]
    public internal(set) var weight: [Float]
    /// [C], or nil.
    public internal(set) var bias: [Float]? {
        didSet { accumulatorStart = bias ?? [Float](repeating: 0, count: channels) }
    }
    /// [C]: the bias, or zeros; every accumulator starts from it (no allocation per forward).
    var accumulatorStart: [Float]
    public var activation: Activation

    /// Converts PyTorch weights `weightCHW` [C, 1, kh, kw] (and `bias` [C]).
    public init(channels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1), dilation: (Int, Int) = (1, 1),
                padding: Padding2D, weightCHW: [Float], bias: [Float]? = nil, activation: Activation = .identity) {
        precondition(channels > 0, "DepthwiseConv2D: channels must be positive")
        precondition(weightCHW.count == channels * kernel.0 * kernel.1,
                     "DepthwiseConv2D: weight [C,1,kh,kw] needs \(channels * kernel.0 * kernel.1) floats, got \(weightCHW.count)")
        precondition(bias == nil || bias!.count == channels, "DepthwiseConv2D: bias needs \(channels) floats")
        self.channels = channels
        kernelH = kernel.0; kernelW = kernel.1
        strideH = stride.0; strideW = stride.1
        dilationH = dilation.0; dilationW = dilation.1
        self.padding = padding
        var w = [Float](repeating: 0, count: weightCHW.count)
        let taps = kernel.0 * kernel.1
        for c in 0..<channels {
            for t in 0..<taps { w[t * channels + c] = weightCHW[c * taps + t] }
        }
        weight = w
        self.bias = bias
        accumulatorStart = bias ?? [Float](repeating: 0, count: channels)
        self.activation = activation
    }

    /// Square kernel and stride.
    public init(channels: Int, kernel: Int, stride: Int = 1, padding: Padding2D, weightCHW: [Float],
                bias: [Float]? = nil, activation: Activation = .identity) {
        self.init(channels: channels, kernel: (kernel, kernel), stride: (stride, stride), padding: padding,
                  weightCHW: weightCHW, bias: bias, activation: activation)
    }

    public func geometry(height: Int, width: Int) -> WindowGeometry {
        WindowGeometry(inHeight: height, inWidth: width, kernel: (kernelH, kernelW), stride: (strideH, strideW),
                       dilation: (dilationH, dilationW), padding: padding)
    }

    /// y [N, OH, OW, C] = act(depthwise(x [N, H, W, C]) + bias). Returns the geometry.
    /// `y` must not overlap `x`.
    @discardableResult
    public func forward(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                        into y: UnsafeMutablePointer<Float>) -> WindowGeometry {
        let geo = geometry(height: h, width: w)
        weight.withUnsafeBufferPointer { wb in
            accumulatorStart.withUnsafeBufferPointer { bb in
                let wp = wb.baseAddress!, bp = bb.baseAddress!
                ParallelRows.run(n * geo.outHeight, grain: max(1, 4096 / max(geo.outWidth * channels, 1))) { part in
                    for r in part {
                        outputRow(x, weight: wp, bias: bp, geometry: geo, image: r / geo.outHeight,
                                  oh: r % geo.outHeight, into: y + r * geo.outWidth * channels)
                    }
                }
            }
        }
        return geo
    }

    /// Output rows `rows` of image 0 of `x` (geometry `g`) into `out` [rows.count, OW, C], on the
    /// calling thread; x may be a shifted pointer whose rows outside the window's reach are never read.
    func forwardRows(_ x: UnsafePointer<Float>, geometry g: WindowGeometry, rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { wb in
            accumulatorStart.withUnsafeBufferPointer { bb in
                for oh in rows {
                    outputRow(x, weight: wb.baseAddress!, bias: bb.baseAddress!, geometry: g, image: 0, oh: oh,
                              into: out + (oh - rows.lowerBound) * g.outWidth * channels)
                }
            }
        }
    }

    /// One output row [OW, C].
    @inline(__always)
    private func outputRow(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                           geometry g: WindowGeometry, image n: Int, oh: Int, into out: UnsafeMutablePointer<Float>) {
        let c = channels
        let iy0 = oh * g.strideH - g.pad.top
        // Taps ky in kyLo..<kyHi land inside the image (same for the whole row).
        let kyLo = iy0 >= 0 ? 0 : (-iy0 + g.dilationH - 1) / g.dilationH
        let kyHi = min(g.kernelH, (g.inHeight - iy0 + g.dilationH - 1) / g.dilationH)
        let img = x + n * g.inHeight * g.inWidth * c
        if let build = VectorISA.packedBuild, g.dilationW == 1 && g.dilationH == 1 {
            // One zmm (AVX-512) or ymm (AVX2) per 16 / 8 channels, fused multiply-adds, the activation clamped
            // while the pixel is in L1. Both builds give the same floats; the four-pixel variant is AVX-512 only.
            let (low, high) = activation.clampBounds
            let row = VectorISA.avx512 && Self.fourPixels ? AVX512Kernels.depthwiseRowPixels4
                : Self.groupRows ? build.depthwiseRowGroups : build.depthwiseRow
            row(img, g.inWidth, c, weight, bias, g.kernelW, g.strideW, g.pad.left, iy0, kyLo, kyHi, g.outWidth, low, high, out)
            return
        }
        for ow in 0..<g.outWidth {
            let ix0 = ow * g.strideW - g.pad.left
            let kxLo: Int, kxHi: Int
            if g.dilationW == 1 {                           // no division in the common case
                kxLo = max(0, -ix0)
                kxHi = min(g.kernelW, g.inWidth - ix0)
            } else {
                kxLo = ix0 >= 0 ? 0 : (-ix0 + g.dilationW - 1) / g.dilationW
                kxHi = min(g.kernelW, (g.inWidth - ix0 + g.dilationW - 1) / g.dilationW)
            }
            let o = out + ow * c
            var ch = 0
            while ch + 16 <= c {
                pixel(SIMD16<Float>.self, img, weight, bias, g, iy0, ix0, kyLo..<kyHi, kxLo..<kxHi, ch, o)
                ch += 16
            }
            while ch + 4 <= c {
                pixel(SIMD4<Float>.self, img, weight, bias, g, iy0, ix0, kyLo..<kyHi, kxLo..<kxHi, ch, o)
                ch += 4
            }
            while ch < c {           // channel tail
                scalarPixel(img, weight, bias, g, iy0, ix0, kyLo..<kyHi, kxLo..<kxHi, ch, o)
                ch += 1
            }
        }
        // Activation over the finished row: a plain loop vectorises, while generic SIMD
        // min/max (pointwiseMax) compiles to a lane-by-lane loop through memory.
        activation.applySerial(out, count: g.outWidth * c)
    }

    /// Channels ch..<ch+V.scalarCount of one output pixel.
    @inline(__always)
    private func pixel<V: SIMD>(_: V.Type, _ img: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                _ bias: UnsafePointer<Float>, _ g: WindowGeometry, _ iy0: Int, _ ix0: Int,
                                _ ky: Range<Int>, _ kx: Range<Int>, _ ch: Int,
                                _ o: UnsafeMutablePointer<Float>) where V.Scalar == Float {
        let c = channels
        var acc = UnsafeRawPointer(bias + ch).loadUnaligned(as: V.self)
        for y in ky {
            let line = img + ((iy0 + y * g.dilationH) * g.inWidth) * c + ch
            let wl = w + y * g.kernelW * c + ch
            for x in kx {
                let v = UnsafeRawPointer(line + (ix0 + x * g.dilationW) * c).loadUnaligned(as: V.self)
                let k = UnsafeRawPointer(wl + x * c).loadUnaligned(as: V.self)
                acc += v * k
            }
        }
        UnsafeMutableRawPointer(o + ch).storeBytes(of: acc, as: V.self)
    }

    /// Channel `ch` of one output pixel (tails of channel counts not divisible by 4).
    @inline(__always)
    private func scalarPixel(_ img: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                             _ g: WindowGeometry, _ iy0: Int, _ ix0: Int, _ ky: Range<Int>, _ kx: Range<Int>,
                             _ ch: Int, _ o: UnsafeMutablePointer<Float>) {
        let c = channels
        var acc = bias[ch]
        for y in ky {
            for x in kx {
                acc += img[((iy0 + y * g.dilationH) * g.inWidth + ix0 + x * g.dilationW) * c + ch]
                    * w[(y * g.kernelW + x) * c + ch]
            }
        }
        o[ch] = acc
    }
}

extension DepthwiseConv2D {
    /// Convenience over tensors: x [N, H, W, C] → y [N, OH, OW, C].
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.shape[3] == channels,
                     "DepthwiseConv2D.forward: input must be NHWC with C = \(channels), got \(x.shape)")
        let geo = geometry(height: x.shape[1], width: x.shape[2])
        var y = Tensor(zeros: [x.shape[0], geo.outHeight, geo.outWidth, channels])
        x.data.withUnsafeBufferPointer { xb in
            y.data.withUnsafeMutableBufferPointer { yb in
                _ = forward(xb.baseAddress!, batch: x.shape[0], height: x.shape[1], width: x.shape[2], into: yb.baseAddress!)
            }
        }
        return y
    }
}
