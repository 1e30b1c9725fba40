extension Conv2D {
    /// `forwardWinograd` with the products and the output transform one 64-channel slice of Cout at a time
    /// (`WinogradChoice.runsInSlices`): for layers with few tiles and a large U (ResNet's layer2–3 at batch 1).
    ///   V [36][tiles][Cin]  ← input transform of all tiles, in parallel over tiles (as the whole-layer path)
    ///   per slice s, each core claiming slices in order, in a scratch of its own:
    ///     M_s [36][tiles][64] ← 36 panel GEMMs V[ξ] · U[ξ]'s panel s (each panel of U read once in all)
    ///     y[..., s]           ← output transform + bias + activation of the slice's 64 channels
    /// so M stays in L2 instead of making a whole-layer trip through memory. The same products in the same K order
    /// per output as the whole-layer path: the same floats.
    func forwardWinogradInSlices(_ x: UnsafePointer<Float>, runs: WinogradTileRuns, filter u: UnsafePointer<Float>,
                                 into y: UnsafeMutablePointer<Float>, workspace: Workspace) {
        let cin = shape.inChannels, cout = shape.outChannels, positions = WinogradF43.positions
        let total = runs.total, width = PanelKernel.width, slices = cout / width
        let workers = min(ParallelRows.cores, slices)
        let v = workspace.take(positions * total * cin)                // [36][tiles][Cin]
        let perWorker = (positions * total * width + 15) & ~15         // M slice [36][tiles][64], 64-byte aligned
        let scratch = workspace.take(workers * perWorker)
        let (low, high) = WinogradF43.clamps(activation)
        let cursor = WinogradGroupCursor()
        let run = { (bias: UnsafePointer<Float>?) in
            ParallelRows.run(total, grain: max(1, 2048 / cin)) { part in
                runs.input(part, of: x, into: v + part.lowerBound * cin, positionStride: total * cin)
            }
            WorkerTeam.run(iterations: workers) { worker in
                let m = scratch + worker * perWorker
                while true {
                    let s = cursor.claim()
                    if s >= slices { break }
                    for p in 0..<positions {
                        PanelKernel.gemm(rows: total, k: cin, a: v + p * total * cin, lda: cin,
                                         packed: u + p * cin * cout + s * cin * width, panels: 0..<1, c: m + p * total * width,
                                         ldc: width, bias: nil, residual: nil, ldr: 0, low: -.infinity, high: .infinity)
                    }
                    runs.output(0..<total, from: m, positionStride: total * width, slice: s * width..<(s + 1) * width,
                                bias: bias, low: low, high: high, into: y)
                }
            }
        }
        if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
    }
}
