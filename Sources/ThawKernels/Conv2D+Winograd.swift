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
    /// This convolution with its Winograd filter transform U [36][Cin][Cout] computed once, now
    /// (from the current, e.g. BatchNorm-folded, weights), so `forward` may take the Winograd path
    /// where `WinogradChoice` says it pays. Unchanged when the shape does not allow it. On AVX-512 CPUs
    /// with Cout a multiple of 64, U is stored as 64-column panels per position (`winogradFilterInPanels`).
    /// `deferringWinograd()` computes the same U on first use instead.
    ///
    /// For frozen weights only: U is not updated when the weights change (fine-tuning builds
    /// its convolutions from the trained weights without it and stays on im2col).
    public func preparingWinograd() -> Conv2D {
        guard shape.allowsWinograd else { return self }
        var prepared = self
        prepared.winogradFilterInPanels = storesWinogradInPanels
        prepared.winogradFilter = computeWinogradFilter(intoPanels: prepared.winogradFilterInPanels)
        return prepared
    }

    /// This convolution with its Winograd filter U computed by the first forward that takes the Winograd
    /// path (thread-safe, once; `DeferredWinogradFilter`) rather than now: layers that never run Winograd
    /// never hold it. The same U and layout as `preparingWinograd()`, from `weight` or, after
    /// `preparingPanels()`, from the panels (call in either order). Unchanged when the shape does not allow
    /// Winograd. For frozen weights only, like `preparingWinograd()`. With `WinogradChoice.deferFilters` off it
    /// is `preparingWinograd()`.
    public func deferringWinograd() -> Conv2D {
        guard shape.allowsWinograd, winogradFilter == nil else { return self }
        guard WinogradChoice.deferFilters else { return preparingWinograd() }
        var prepared = self
        prepared.deferredWinograd = DeferredWinogradFilter()
        return prepared
    }

    /// Whether this convolution holds a Winograd filter, computed or deferred.
    var holdsWinograd: Bool { winogradFilter != nil || deferredWinograd != nil }

    /// Whether a deferred Winograd filter has been computed by a forward (false without one).
    public var deferredWinogradIsComputed: Bool { deferredWinograd?.isComputed ?? false }

    /// Floats this convolution keeps for its forward paths: GEMM weights, panels and U (computed ones only).
    public var filterFloats: Int {
        weight.count + (panelWeight?.count ?? 0) + (winogradFilter?.count ?? 0)
            + (deferredWinograd?.isComputed == true ? WinogradF43.positions * shape.inChannels * shape.outChannels : 0)
    }

    /// U is kept in 64-column panels per position where weights are packed (`PanelKernel.packsPanels`:
    /// AVX-512, or the AVX2 kernels on) when Cout is a multiple of 64.
    private var storesWinogradInPanels: Bool {
        PanelKernel.packsPanels && shape.outChannels % PanelKernel.width == 0
    }

    /// U from the current weights (`weight`, or the panels once `preparingPanels()` emptied it; panels laid out as
    /// strips are turned back into [K][64] for the transform first).
    private func computeWinogradFilter(intoPanels: Bool) -> [Float] {
        let source = panelWeight.map { panelWeightInStrips ? PanelStrips.panels(ofStrips: $0, k: shape.patchSize) : $0 } ?? weight
        return source.withUnsafeBufferPointer {
            WinogradF43.transformFilter($0.baseAddress!, weightInPanels: panelWeight != nil, inChannels: shape.inChannels,
                                        outChannels: shape.outChannels, intoPanels: intoPanels)
        }
    }

    /// U for a forward that takes the Winograd path and its layout; a deferred U is computed here the first time.
    func winogradFilterForForward() -> (filter: [Float], inPanels: Bool) {
        if let u = winogradFilter { return (u, winogradFilterInPanels) }
        let inPanels = storesWinogradInPanels
        return (deferredWinograd!.filter { computeWinogradFilter(intoPanels: inPanels) }, inPanels)
    }

    /// y [N, OH, OW, Cout] = act(conv(x) + bias) through F(4×4, 3×3); the caller checked
    /// `shape.allowsWinograd` and holds U (`panels`: stored in 64-column panels per position).
    ///
    /// Tiles (4×4 output pixels each, row-major over images) run in chunks of `count` tiles:
    ///   V [36][count][Cin]  ← input transform, in parallel over tiles (AVX-512 or AVX2 build)
    ///   M [36][count][Cout] ← 36 GEMMs V[ξ] · U[ξ], in parallel over ξ (each single-threaded; the AVX-512
    ///                         panel kernel when U is stored in panels)
    ///   y                   ← output transform + bias + activation, in parallel over tiles
    /// or, with `WinogradChoice.groupFloats` on the panel kernel, tile group by tile group in L2
    /// (`forwardWinogradInGroups`), or with `WinogradChoice.outputSlices` one 64-channel slice of Cout at a time
    /// (`forwardWinogradInSlices`); the same floats.
    func forwardWinograd(_ x: UnsafePointer<Float>, batch n: Int, geometry geo: WindowGeometry,
                         filter u: UnsafePointer<Float>, inPanels panels: Bool, into y: UnsafeMutablePointer<Float>,
                         workspace: Workspace) {
        let cin = shape.inChannels, cout = shape.outChannels
        // The AVX-512 tile transforms (16 channels per register) where the CPU has them and both channel
        // counts are multiples of 16 (every ResNet layer); else the AVX2 ones (8 channels).
        let wide = WinogradChoice.wideTransforms && VectorISA.avx512 && cin % 16 == 0 && cout % 16 == 0
        let runs = WinogradTileRuns(batch: n, geometry: geo, inChannels: cin, outChannels: cout, wide: wide)
        let total = runs.total
        // U in panels: its 36 GEMMs on the panel kernel (AVX-512 or AVX2 build; no packing per call) where allowed.
        let width = PanelKernel.width
        let panelKernel = panels && VectorISA.packedKernels && ConvTiles.panelKernel
        if panelKernel, let group = WinogradChoice.tilesPerGroup(total: total, inChannels: cin, outChannels: cout) {
            forwardWinogradInGroups(x, runs: runs, tilesPerGroup: group, filter: u, into: y, workspace: workspace)
            return
        }
        if panelKernel, WinogradChoice.runsInSlices(total: total, outChannels: cout) {
            forwardWinogradInSlices(x, runs: runs, filter: u, into: y, workspace: workspace)
            return
        }
        let chunk = WinogradChoice.tilesPerChunk(total: total, inChannels: cin, outChannels: cout)
        let positions = WinogradF43.positions
        let v = workspace.take(positions * chunk * cin)     // [36][chunk][Cin]
        let m = workspace.take(positions * chunk * cout)    // [36][chunk][Cout]
        let (low, high) = WinogradF43.clamps(activation)
        let run = { (bias: UnsafePointer<Float>?) in
            var t0 = 0
            while t0 < total {
                let count = min(chunk, total - t0)
                ParallelRows.run(count, grain: max(1, 2048 / cin)) { part in
                    runs.input(t0 + part.lowerBound..<t0 + part.upperBound, of: x, into: v + part.lowerBound * cin,
                               positionStride: chunk * cin)
                }
                BLAS.singleThreaded {
                    WorkerTeam.run(iterations: positions) { p in
                        let a = v + p * chunk * cin, b = u + p * cin * cout, c = m + p * chunk * cout
                        if !panels {
                            BLAS.sgemm(m: count, n: cout, k: cin, a: a, lda: cin, b: b, ldb: cout, c: c, ldc: cout)
                        } else if panelKernel {
                            PanelKernel.gemm(rows: count, k: cin, a: a, lda: cin, packed: b, panels: 0..<(cout / width),
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
                    runs.output(t0 + part.lowerBound..<t0 + part.upperBound, from: m + part.lowerBound * cout,
                                positionStride: chunk * cout, bias: bias, low: low, high: high, into: y)
                }
                t0 += count
            }
        }
        if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
    }
}
