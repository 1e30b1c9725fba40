import Synchronization

extension Conv2D {
    /// `forwardWinograd` in tile groups of `tilesPerGroup` consecutive tiles (`WinogradChoice.tilesPerGroup`). Each
    /// core claims groups in order and runs all three steps on one before the next, in a scratch of its own:
    ///   V [36][g][Cin]  ← input transform of the group's tiles
    ///   M [36][g][Cout] ← 36 panel GEMMs V[ξ] · U[ξ] (U in 64-column panels, read in place, once per group)
    ///   y               ← output transform + bias + activation
    /// so V and M stay in L2 rather than travelling through memory as whole-layer scratches. Every output sums the
    /// same products in the same K order as the whole-layer path: the same floats.
    func forwardWinogradInGroups(_ x: UnsafePointer<Float>, runs: WinogradTileRuns, tilesPerGroup g: Int,
                                 filter u: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, workspace: Workspace) {
        let cin = shape.inChannels, cout = shape.outChannels, positions = WinogradF43.positions
        let total = runs.total, groups = (total + g - 1) / g
        let workers = min(ParallelRows.cores, groups)
        let perWorker = (positions * g * (cin + cout) + 15) & ~15      // 64-byte aligned scratches
        let scratch = workspace.take(workers * perWorker)
        let panels = 0..<(cout / PanelKernel.width)
        let (low, high) = WinogradF43.clamps(activation)
        let cursor = WinogradGroupCursor()
        let run = { (bias: UnsafePointer<Float>?) in
            WorkerTeam.run(iterations: workers) { worker in
                let v = scratch + worker * perWorker, m = v + positions * g * cin
                while true {
                    let group = cursor.claim()
                    if group >= groups { break }
                    let tiles = group * g..<min(total, group * g + g)
                    runs.input(tiles, of: x, into: v, positionStride: g * cin)
                    for p in 0..<positions {
                        PanelKernel.gemm(rows: tiles.count, k: cin, a: v + p * g * cin, lda: cin, packed: u + p * cin * cout,
                                         panels: panels, c: m + p * g * cout, ldc: cout, bias: nil, residual: nil, ldr: 0,
                                         low: -.infinity, high: .infinity)
                    }
                    runs.output(tiles, from: m, positionStride: g * cout, bias: bias, low: low, high: high, into: y)
                }
            }
        }
        if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
    }
}

/// The next unclaimed tile group of one `forwardWinogradInGroups` call, shared by its workers.
final class WinogradGroupCursor: @unchecked Sendable {
    private let next = Atomic<Int>(0)

    /// A group index no other worker gets; ≥ the group count once all are taken.
    func claim() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
}
