import Dispatch
import ThawBLAS

extension Conv2D {
    /// y [N, OH, OW, Cout] = act(conv(x [N, H, W, Cin]) + bias), or with `residual` [N, OH, OW, Cout]
    /// y = `then`(conv(x) + bias + residual) — a ResNet block's last convolution and its skip
    /// connection in one pass (this convolution's own activation must then be identity).
    ///
    /// With `ConvTiles.enabled` the GEMM runs as `ConvTiles` tiles on all cores (single-threaded
    /// OpenBLAS per tile, or the AVX-512 panel kernel on weights packed at load; no im2col copy for
    /// 1×1 stride-1), each tile's epilogue fused; Winograd
    /// and the small-input kernel keep their own paths (the residual then follows as one pass).
    /// Grouped convolutions, and everything when tiles are off, take `forward` + `residualAdd`.
    /// `y` must not overlap `x`, nor `residual` unless it is `residual` itself and `addsResidualInPlace` holds.
    @discardableResult
    public func forward(_ x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                        adding residual: UnsafePointer<Float>?, then residualActivation: Activation = .identity,
                        into y: UnsafeMutablePointer<Float>, workspace: Workspace) -> WindowGeometry {
        precondition(n > 0, "Conv2D.forward: batch must be positive")
        precondition(residual == nil || activation == .identity,
                     "Conv2D.forward(adding:): the convolution's own activation must be identity, got \(activation); pass it as `then`")
        let s = shape
        let geo = s.geometry(height: h, width: w)
        let tiled = ConvTiles.enabled && s.groups == 1 && !runsSmallInputKernel
            && !(holdsWinograd && WinogradChoice.use(batch: n, geometry: geo, shape: s))
        guard tiled else {
            forward(x, batch: n, height: h, width: w, into: y, workspace: workspace)
            if let residual {
                residualAdd(residual, into: y, count: n * geo.outPixels * s.outChannels, activation: residualActivation)
            }
            return geo
        }
        let act = residual == nil ? activation : residualActivation
        let run = { (bias: UnsafePointer<Float>?) in
            (panelWeight ?? weight).withUnsafeBufferPointer { wb in
                forwardTiles(x, batch: n, geometry: geo, weight: wb.baseAddress!, bias: bias, residual: residual,
                             activation: act, into: y, workspace: workspace)
            }
        }
        if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
        return geo
    }

    /// Whether `forward(_:batch:height:width:adding:then:into:workspace:)` on this input adds the residual in the panel
    /// kernel's epilogue on tiles (no window kernel, no Winograd, no second pass): each output reads its residual value,
    /// then is stored over the same index, so `y` may be the residual itself (a ResNet block's last convolution writing
    /// over its identity branch, `ResNetBlock.residualInPlace`).
    public func addsResidualInPlace(batch n: Int, height h: Int, width w: Int) -> Bool {
        let s = shape, geo = s.geometry(height: h, width: w)
        let tiled = ConvTiles.enabled && s.groups == 1 && !runsSmallInputKernel
            && !(holdsWinograd && WinogradChoice.use(batch: n, geometry: geo, shape: s))
        return tiled && runsPanelKernel && !(runsWindowKernel && windowsFit(geo))
    }

    /// The tiled GEMM (ungrouped). 1×1 stride-1: A is x itself (lda = Cin). On the panel kernel the other
    /// shapes read their windows from the map (`forwardWindowTiles`). Otherwise output rows are
    /// lowered in chunks of at most `workspace.im2colBudget` floats (≥ 128 rows), each chunk's tiles
    /// reading the lowered rows [chunk, kh·kw·Cin].
    private func forwardTiles(_ x: UnsafePointer<Float>, batch n: Int, geometry geo: WindowGeometry,
                              weight wp: UnsafePointer<Float>, bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?,
                              activation: Activation, into y: UnsafeMutablePointer<Float>, workspace: Workspace) {
        let s = shape
        let rows = n * geo.outPixels
        let cin = s.inChannels, cout = s.outChannels, k = s.patchSize
        let (low, high) = activation.clampBounds
        let cores = ParallelRows.cores
        // Weights in panels: the panel kernel, or (without it) one sgemm per 64-column panel of the tile.
        let inPanels = panelWeight != nil, panels = runsPanelKernel
        // One chunk of output rows r0..<r1 whose A rows start at `a` with leading dimension lda.
        func tiles(_ r0: Int, _ r1: Int, _ a: UnsafePointer<Float>, _ lda: Int) {
            let width = PanelKernel.width
            let grid = ConvTiles.grid(m: r1 - r0, n: cout, cores: cores, align: inPanels ? width : 16)
            WorkerTeam.run(iterations: grid.count, fromBothEnds: ConvTiles.claimsFromBothEnds) { t in
                let rr = grid.rows(t), cc = grid.columns(t)
                if rr.isEmpty || cc.isEmpty { return }
                if panels {
                    PanelKernel.gemm(rows: rr.count, k: k, a: a + rr.lowerBound * lda, lda: lda, packed: wp,
                                     panels: (cc.lowerBound / width)..<(cc.upperBound / width),
                                     c: y + (r0 + rr.lowerBound) * cout, ldc: cout, bias: bias,
                                     residual: residual.map { $0 + (r0 + rr.lowerBound) * cout }, ldr: cout, low: low, high: high,
                                     inStrips: panelWeightInStrips)
                    return
                }
                let c = y + (r0 + rr.lowerBound) * cout + cc.lowerBound
                if inPanels {
                    for p in (cc.lowerBound / width)..<(cc.upperBound / width) {
                        forEachPanelPart(p, weight: wp) { b, ldb, col, cols in
                            BLAS.sgemm(m: rr.count, n: cols, k: k, a: a + rr.lowerBound * lda, lda: lda, b: b, ldb: ldb,
                                       c: c + (col - cc.lowerBound), ldc: cout)
                        }
                    }
                } else {
                    BLAS.sgemm(m: rr.count, n: cc.count, k: k, a: a + rr.lowerBound * lda, lda: lda,
                               b: wp + cc.lowerBound, ldb: cout, c: c, ldc: cout)
                }
                tileEpilogue(c, rows: rr.count, cols: cc.count, ldy: cout, bias: bias.map { $0 + cc.lowerBound },
                             residual: residual.map { $0 + (r0 + rr.lowerBound) * cout + cc.lowerBound }, ldr: cout,
                             low: low, high: high)
            }
        }
        if runsWindowKernel && windowsFit(geo) {
            forwardWindowTiles(x, batch: n, geometry: geo, weight: wp, bias: bias, residual: residual, low: low, high: high,
                               into: y, workspace: workspace)
            return
        }
        BLAS.singleThreaded {
            if s.isPointwise {
                tiles(0, rows, x, cin)
                return
            }
            let maxRows = max(128, workspace.im2colBudget / k)
            let chunks = (rows + maxRows - 1) / maxRows
            let perChunk = (rows + chunks - 1) / chunks
            let cols = workspace.take(perChunk * k)     // [perChunk, kh·kw·Cin]
            var r0 = 0
            while r0 < rows {
                let r1 = min(rows, r0 + perChunk)
                Im2col.lower(x, channels: cin, c0: 0, cg: cin, geometry: geo, rows: r0..<r1, into: cols)
                tiles(r0, r1, cols, k)
                r0 = r1
            }
        }
    }
}
