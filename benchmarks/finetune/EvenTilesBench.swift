import Dispatch
import Foundation
import ThawCore
import ThawKernels

/// `--tiles[=R]`: the 1×1 GEMMs whose `ConvTiles.grid` at chunk 32 (M = 1,568) is 9 tiles on 2 cores — the expand
/// forward 192→1152, the head forward 320→1280, the project input gradients 1152→192 and 1152→320 (dy · Wᵀ, N = 1,152) —
/// each timed as `TrainingPointwise` calls with `TrainingKernels.evenTiles` on and off, alternating call by call, R rounds
/// of 20 calls per side. Prints per shape the median seconds per call by wall clock and per CPU-second of the process,
/// the median per-round ratio grid / even, and the load average.
func evenTilesRounds(rounds: Int, loadAverage: () -> String, cpuSeconds: () -> Double) {
    let m = 32 * 49, calls = 20
    var g = SplitMix64(seed: 11)
    func random(_ n: Int) -> [Float] { (0..<n).map { _ in g.nextNormal() } }
    func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
    print("even tiles vs ConvTiles.grid, M = \(m), \(rounds) rounds of \(calls) calls per side; load \(loadAverage())")
    // (Cin, Cout, input gradient?): the GEMM's N is Cout for the forward, Cin for the input gradient.
    for (cin, cout, backward) in [(192, 1152, false), (320, 1280, false), (1152, 192, true), (1152, 320, true)] {
        let k = TrainingPointwise(Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1))
        k.prepare(weight: random(cin * cout), version: 1)
        let a = random(m * (backward ? cout : cin))
        var c = [Float](repeating: 0, count: m * (backward ? cin : cout))
        var wall: [Bool: [Double]] = [true: [], false: []], cpu = wall
        for r in 0..<rounds {
            for even in r % 2 == 0 ? [true, false] : [false, true] {
                TrainingKernels.evenTiles = even
                let t0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuSeconds()
                for _ in 0..<calls {
                    if backward { k.inputGradient(a, rows: m, into: &c) } else { k.forward(a, rows: m, into: &c) }
                }
                wall[even]!.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9 / Double(calls))
                cpu[even]!.append((cpuSeconds() - c0) / Double(calls))
            }
        }
        TrainingKernels.evenTiles = true      // the default
        let flops = 2.0 * Double(m * cin * cout)
        let wallRatios = zip(wall[false]!, wall[true]!).map { $0 / $1 }, cpuRatios = zip(cpu[false]!, cpu[true]!).map { $0 / $1 }
        print(String(format: "%@ %4d→%4d: even %.1f, grid %.1f GFLOP/s wall (grid/even time per round: median %.3f, %.3f–%.3f); "
                     + "per CPU-second even %.1f, grid %.1f (median %.3f); load %@",
                     backward ? "dx " : "fwd", cin, cout, flops / median(wall[true]!) * 1e-9, flops / median(wall[false]!) * 1e-9,
                     median(wallRatios), wallRatios.min()!, wallRatios.max()!,
                     flops / median(cpu[true]!) * 1e-9, flops / median(cpu[false]!) * 1e-9, median(cpuRatios), loadAverage()))
    }
}
