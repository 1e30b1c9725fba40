import ThawBLAS

/// A 2-D convolution over NHWC activations, forward pass (inference and training forward).
///
/// Weights are converted once from PyTorch's OIHW to the GEMM layout
/// `weight` [G][kh][kw][Cin/G][Cout/G], so output = lowered input [pixels, kh·kw·Cin/G] ×
/// weight_g [kh·kw·Cin/G, Cout/G] for each group g, written at column offset g·Cout/G of the
/// NHWC output (ldc = Cout). 1×1 stride-1 convolutions skip lowering: the input *is* the
/// GEMM's left matrix (lda = Cin). Bias and activation run in the epilogue, chunk by chunk,
/// while the output is still in cache. Frozen 3×3 stride-1 layers may hold a Winograd filter
/// (`preparingWinograd()`, or `deferringWinograd()` to compute it on first use) and then run F(4×4, 3×3)
/// where `WinogradChoice` says it pays.
///
/// A backward pass needs the input x (for the weight gradient) and the output y (for the
/// activation mask); nothing else is kept.
public struct Conv2D: Sendable {
    public let shape: Conv2DShape
    /// [G][kh][kw][Cin/G][Cout/G]
    public internal(set) var weight: [Float]
    /// [Cout], or nil.
    public internal(set) var bias: [Float]?
    /// Applied after the bias, in the epilogue.
    public var activation: Activation
    /// Winograd F(4×4, 3×3) filter U [36][Cin][Cout] from `weight`, set by `preparingWinograd()`
    /// (frozen 3×3 stride-1 layers); nil: always im2col. Any new Conv2D (e.g. a BN fold) starts without.
    public internal(set) var winogradFilter: [Float]?
    /// Set by `deferringWinograd()`: U computed by the first forward that takes the Winograd path, once
    /// (layout as `winogradFilterInPanels` would be), instead of at load. Shared by copies of this value.
    var deferredWinograd: DeferredWinogradFilter?
    /// True when `winogradFilter` is stored as 64-column panels per position, [36][Cout/64][Cin][64]
    /// (AVX-512 CPUs, Cout a multiple of 64), for the panel kernel.
    public internal(set) var winogradFilterInPanels = false
    /// `weight` packed into 64-column panels [Cout/64][K][64] for the AVX-512 panel kernel, set by
    /// `preparingPanels()` (frozen ResNet layers), which then empties `weight`: every forward path reads
    /// the panels instead. nil: `weight` [K, Cout]. Any new Conv2D starts without.
    public internal(set) var panelWeight: [Float]?
    /// True when `panelWeight` is in the AVX2 build's strip layout, each panel [4][K][16] (`PanelStrips`: 1×1
    /// stride-1 convolutions packed on a CPU running the AVX2 kernels, and with `PanelStrips.windowsAtLoad` the others).
    public internal(set) var panelWeightInStrips = false

    /// Converts PyTorch weights `oihw` [Cout, Cin/G, kh, kw] (and `bias` [Cout]).
    public init(shape: Conv2DShape, oihw: [Float], bias: [Float]? = nil, activation: Activation = .identity) {
        let s = shape
        precondition(oihw.count == s.outChannels * s.patchSize,
                     "Conv2D: OIHW weight needs \(s.outChannels)×\(s.inPerGroup)×\(s.kernelH)×\(s.kernelW) = \(s.outChannels * s.patchSize) floats, got \(oihw.count)")
        precondition(bias == nil || bias!.count == s.outChannels,
                     "Conv2D: bias needs \(s.outChannels) floats, got \(bias!.count)")
        var w = [Float](repeating: 0, count: oihw.count)
        let og = s.outPerGroup, ig = s.inPerGroup, kh = s.kernelH, kw = s.kernelW
        for o in 0..<s.outChannels {
            let g = o / og, oc = o % og
            for i in 0..<ig {
                for y in 0..<kh {
                    for x in 0..<kw {
                        let src = ((o * ig + i) * kh + y) * kw + x
                        let dst = (((g * kh + y) * kw + x) * ig + i) * og + oc
                        w[dst] = oihw[src]
                    }
                }
            }
        }
        self.init(shape: shape, gemmWeight: w, bias: bias, activation: activation)
    }

    /// Takes weights already in the GEMM layout [G][kh][kw][Cin/G][Cout/G].
    public init(shape: Conv2DShape, gemmWeight: [Float], bias: [Float]? = nil, activation: Activation = .identity) {
        precondition(gemmWeight.count == shape.outChannels * shape.patchSize,
                     "Conv2D: GEMM weight needs \(shape.outChannels * shape.patchSize) floats, got \(gemmWeight.count)")
        precondition(bias == nil || bias!.count == shape.outChannels, "Conv2D: bias needs \(shape.outChannels) floats")
        self.shape = shape
        self.weight = gemmWeight
        self.bias = bias
        self.activation = activation
    }

    /// y [N, OH, OW, Cout] = act(conv(x [N, H, W, Cin]) + bias). Returns the geometry (OH, OW).
    /// Scratch (the lowered input, at most `workspace.im2colBudget` floats) comes from `workspace`;
    /// `y` must not overlap `x`.
    @discardableResult
    public func forward(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                        into y: UnsafeMutablePointer<Float>, workspace: Workspace) -> WindowGeometry {
        precondition(n > 0, "Conv2D.forward: batch must be positive")
        let s = shape
        let geo = s.geometry(height: h, width: w)
        let rows = n * geo.outPixels                    // GEMM M over the whole batch
        let cin = s.inChannels, cout = s.outChannels
        let ig = s.inPerGroup, og = s.outPerGroup, k = s.patchSize
        if runsSmallInputKernel {
            forwardSmallInput(x, batch: n, geometry: geo, into: y)
            return geo
        }
        if holdsWinograd, WinogradChoice.use(batch: n, geometry: geo, shape: s) {
            let (u, inPanels) = winogradFilterForForward()
            u.withUnsafeBufferPointer {
                forwardWinograd(x, batch: n, geometry: geo, filter: $0.baseAddress!, inPanels: inPanels, into: y, workspace: workspace)
            }
            return geo
        }
        (panelWeight ?? weight).withUnsafeBufferPointer { wb in
            let wp = wb.baseAddress!
            if s.isPointwise {
                for g in 0..<s.groups {
                    weightGEMM(m: rows, a: x + g * ig, lda: cin, weight: wp + g * k * og, c: y + g * og, ldc: cout)
                }
                epilogue(y, rows: 0..<rows)
                return
            }
            // Chunk of output rows lowered at once: bounded by the budget, balanced.
            let maxRows = max(128, workspace.im2colBudget / k)
            let chunks = (rows + maxRows - 1) / maxRows
            let perChunk = (rows + chunks - 1) / chunks
            let cols = workspace.take(perChunk * k)     // [perChunk, kh·kw·Cin/G]
            var r0 = 0
            while r0 < rows {
                let r1 = min(rows, r0 + perChunk)
                for g in 0..<s.groups {
                    Im2col.lower(x, channels: cin, c0: g * ig, cg: ig, geometry: geo, rows: r0..<r1, into: cols)
                    weightGEMM(m: r1 - r0, a: cols, lda: k, weight: wp + g * k * og, c: y + r0 * cout + g * og, ldc: cout)
                }
                epilogue(y, rows: r0..<r1)
                r0 = r1
            }
        }
        return geo
    }

    /// Bias + activation over output rows, on all cores.
    private func epilogue(_ y: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        if bias == nil && activation == .identity { return }
        let cout = shape.outChannels
        let act = activation
        let run = { (b: UnsafePointer<Float>?) in
            ParallelRows.run(rows.count, grain: max(1, 16384 / cout)) { part in
                biasActivation(y + (rows.lowerBound + part.lowerBound) * cout, rows: part.count,
                               channels: cout, ldy: cout, bias: b, activation: act)
            }
        }
        if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
    }
}

extension Conv2D {
    /// Convenience over tensors: x [N, H, W, Cin] → y [N, OH, OW, Cout].
    public func forward(_ x: Tensor, workspace: Workspace) -> Tensor {
        precondition(x.rank == 4 && x.shape[3] == shape.inChannels,
                     "Conv2D.forward: input must be NHWC with C = \(shape.inChannels), got \(x.shape)")
        let geo = shape.geometry(height: x.shape[1], width: x.shape[2])
        var y = Tensor(zeros: [x.shape[0], geo.outHeight, geo.outWidth, shape.outChannels])
        x.data.withUnsafeBufferPointer { xb in
            y.data.withUnsafeMutableBufferPointer { yb in
                _ = forward(xb.baseAddress!, batch: x.shape[0], height: x.shape[1], width: x.shape[2],
                        into: yb.baseAddress!, workspace: workspace)
            }
        }
        return y
    }
}
