import Dispatch
import Foundation
import ThawCore
import ThawKernels

/// `--bn-forward[=R]`: the frozen BN + ReLU6 forward of Lite0's 1,152-channel maps at chunk 32 ([1,568, 1,152], 7 MB) alone,
/// the AVX2 pass (`TrainingKernels.avx2BatchNormForward`) vs the baseline `BatchNorm.forward`, alternating every 20 calls,
/// R rounds; median seconds per call by wall clock and per CPU-second of the process, the per-round ratio and the load.
func batchNormForwardRounds(rounds: Int, loadAverage: () -> String, cpuSeconds: () -> Double) {
    let rows = 32 * 49, c = 1152, calls = 20
    var g = SplitMix64(seed: 13)
    func random(_ n: Int) -> [Float] { (0..<n).map { _ in g.nextNormal() } }
    func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
    let bn = BatchNorm(gamma: random(c), beta: random(c), runningMean: random(c), runningVar: random(c).map { 0.5 + abs($0) }, eps: 1e-3)
    let x = random(rows * c).map { 3 * $0 }
    var y = [Float](repeating: 0, count: rows * c)
    var wall: [Bool: [Double]] = [true: [], false: []], cpu = wall
    for r in 0..<rounds {
        for avx2 in r % 2 == 0 ? [true, false] : [false, true] {
            TrainingKernels.avx2BatchNormForward = avx2
            let t0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuSeconds()
            for _ in 0..<calls { BatchNormTraining.frozenForward(bn, x, rows: rows, relu6: true, into: &y) }
            wall[avx2]!.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9 / Double(calls))
            cpu[avx2]!.append((cpuSeconds() - c0) / Double(calls))
        }
    }
    TrainingKernels.avx2BatchNormForward = false    // the default
    let wallRatios = zip(wall[false]!, wall[true]!).map { $0 / $1 }, cpuRatios = zip(cpu[false]!, cpu[true]!).map { $0 / $1 }
    print(String(format: "BN+ReLU6 forward [%d, %d]: avx2 %.3f ms, baseline %.3f ms per call by wall (baseline/avx2 per round: median %.2f, %.2f–%.2f); "
                 + "CPU %.3f vs %.3f ms (median %.2f, %.2f–%.2f); load %@",
                 rows, c, median(wall[true]!) * 1e3, median(wall[false]!) * 1e3, median(wallRatios), wallRatios.min()!, wallRatios.max()!,
                 median(cpu[true]!) * 1e3, median(cpu[false]!) * 1e3, median(cpuRatios), cpuRatios.min()!, cpuRatios.max()!, loadAverage()))
}
