import Dispatch
import Foundation
import ThawCore
import ThawKernels

/// `--bn-in-dx[=R]`: Lite0's project input gradient at chunk 32 (dp [1,568, 192] · Wᵀ → [1,568, 1,152]) and BN1's frozen
/// backward (ReLU6 mask, dx = γ·invstd·g, dγ, dβ) alone: inside the GEMM's tiles (`FrozenBatchNormTiles`) vs the GEMM then
/// `BatchNormActivationBackward.run`, alternating every 20 calls, R rounds; median ms per call by wall clock and CPU
/// (process), per-round ratios, load.
func batchNormInDxRounds(rounds: Int, loadAverage: () -> String, cpuSeconds: () -> Double) {
    let rows = 32 * 49, c = 1152, cout = 192, calls = 20
    var g = SplitMix64(seed: 17)
    func random(_ n: Int) -> [Float] { (0..<n).map { _ in g.nextNormal() } }
    let kernel = TrainingPointwise(Conv2DShape(inChannels: c, outChannels: cout, kernel: 1))
    kernel.prepare(weight: random(c * cout).map { 0.1 * $0 }, version: 1)
    let dp = random(rows * cout), x = random(rows * c), y = random(rows * c).map { min(max(3 * $0 + 2, 0), 6) }
    let gamma = random(c), mean = random(c), invstd = random(c).map { 0.5 + abs($0) }
    let outScale = zip(gamma, invstd).map { $0 * $1 }
    var dx = [Float](repeating: 0, count: rows * c), dg = [Float](repeating: 0, count: c), db = dg
    var wall: [Bool: [Double]] = [true: [], false: []], cpu = wall
    for r in 0..<rounds {
        for inTiles in r % 2 == 0 ? [true, false] : [false, true] {
            let t0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuSeconds()
            for _ in 0..<calls {
                dx.withUnsafeMutableBufferPointer { p in
                    let d = p.baseAddress!
                    if inTiles {
                        let tiles = FrozenBatchNormTiles(rows: rows, channels: c, rowTiles: kernel.inputGradientRowTiles(rows: rows))
                        kernel.inputGradient(dp, rows: rows, into: d, rowTiles: tiles.rowTiles) { r, cols in
                            tiles.pass(rows: r, columns: cols, x: x, y: y, high: 6, dy: d, mean: mean, invstd: invstd, outScale: outScale)
                        }
                        tiles.finish(dGamma: &dg, dBeta: &db)
                    } else {
                        kernel.inputGradient(dp, rows: rows, into: d)
                        BatchNormActivationBackward.run(x: x, y: y, high: 6, dy: d, rows: rows, channels: c, gamma: gamma, mean: mean,
                                                        invstd: invstd, batchStatistics: false, dx: d, dGamma: &dg, dBeta: &db)
                    }
                }
            }
            wall[inTiles]!.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9 / Double(calls))
            cpu[inTiles]!.append((cpuSeconds() - c0) / Double(calls))
        }
    }
    let wallRatios = zip(wall[false]!, wall[true]!).map { $0 / $1 }, cpuRatios = zip(cpu[false]!, cpu[true]!).map { $0 / $1 }
    print(String(format: "project dx + BN1 backward [%d, %d←%d]: in tiles %.3f ms, separate %.3f ms per call by wall (separate/in-tiles per round: median %.2f, %.2f–%.2f); "
                 + "CPU %.3f vs %.3f ms (median %.2f, %.2f–%.2f); load %@",
                 rows, c, cout, median(wall[true]!) * 1e3, median(wall[false]!) * 1e3, median(wallRatios), wallRatios.min()!, wallRatios.max()!,
                 median(cpu[true]!) * 1e3, median(cpu[false]!) * 1e3, median(cpuRatios), cpuRatios.min()!, cpuRatios.max()!, loadAverage()))
}
