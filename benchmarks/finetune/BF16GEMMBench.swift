import Dispatch
import Foundation
import ThawCore
import ThawKernels

/// `--gemm-bf16[=R]`: each 1×1-convolution GEMM of Lite0 blocks 12–15 + conv_head at chunk 32 (M = 1,568 rows) timed
/// alone, R rounds, float32 (`TrainingPointwise`, AVX-512 panel kernel) against bfloat16 (`TrainingKernels.precision`
/// `.bf16`: the per-call packing of x / dy included, W's packing timed apart as it runs once per step), alternating the
/// order by round. Prints median GFLOP/s by wall time and per CPU-second, the median per-round ratio bf16/f32 and the
/// largest difference of bf16 from f32 relative to the output's largest magnitude. Run under `taskset -c 0` for one core.
func bf16GEMMRounds(rounds: Int, loadAverage: () -> String, cpuSeconds: () -> Double) {
    guard TrainingPrecision.bf16.missingCPUFeature == nil else {
        print("--gemm-bf16: this CPU lacks \(TrainingPrecision.bf16.missingCPUFeature!)")
        return
    }
    let m = 32 * 49
    var g = SplitMix64(seed: 9)
    func random(_ n: Int) -> [Float] { (0..<n).map { _ in g.nextNormal() } }
    func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
    print("bf16 vs f32 GEMMs, M = \(m), \(rounds) rounds, \(ProcessInfo.processInfo.activeProcessorCount) cores; load \(loadAverage())")
    for (cin, cout) in [(192, 1152), (1152, 192), (1152, 320), (320, 1280)] {
        let x = random(m * cin), w = random(cin * cout), dy = random(m * cout)
        let shape = Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1)
        let f32 = TrainingPointwise(shape), bf16 = TrainingPointwise(shape)
        TrainingKernels.precision = .f32
        f32.prepare(weight: w, version: 0)
        var pack = [Double]()
        let flops = 2.0 * Double(m * cin * cout)
        var wall = [[[Double]]](repeating: [[], []], count: 3), cpu = wall, ratio = [[Double]](repeating: [], count: 3)
        var out = [[[Float]]](repeating: [[], []], count: 3)
        for r in 0..<rounds {
            TrainingKernels.precision = .bf16
            let c0 = cpuSeconds(), t0 = DispatchTime.now().uptimeNanoseconds
            bf16.prepare(weight: w, version: r)
            pack.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
            _ = c0
            for gi in 0..<3 {
                var secs = [0.0, 0.0]
                for pi in r % 2 == 0 ? [0, 1] : [1, 0] {
                    TrainingKernels.precision = pi == 0 ? .f32 : .bf16
                    let k = pi == 0 ? f32 : bf16
                    var c = [Float](repeating: 0, count: gi == 0 ? m * cout : gi == 1 ? m * cin : cin * cout)
                    let c0 = cpuSeconds(), t0 = DispatchTime.now().uptimeNanoseconds
                    switch gi {
                    case 0: k.forward(x, rows: m, into: &c)
                    case 1: k.inputGradient(dy, rows: m, into: &c)
                    default: k.weightGradient(x: x, dy: dy, rows: m, into: &c)
                    }
                    secs[pi] = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
                    wall[gi][pi].append(secs[pi])
                    cpu[gi][pi].append(cpuSeconds() - c0)
                    if r == 0 { out[gi][pi] = c }
                }
                ratio[gi].append(secs[0] / secs[1])
            }
        }
        TrainingKernels.precision = .f32
        print("\(cin)→\(cout) (\(String(format: "%.2f", flops / 1e9)) GFLOP; bf16 packing of W and Wᵀ \(String(format: "%.3f", median(pack) * 1e3)) ms) load \(loadAverage())")
        for (gi, name) in ["forward y = x·W", "input grad dx = dy·Wᵀ", "weight grad dW += xᵀ·dy"].enumerated() {
            let ref = out[gi][0], got = out[gi][1]
            let scale = ref.reduce(0) { max($0, abs($1)) }
            let diff = zip(ref, got).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            print(String(format: "  %@ GFLOP/s f32 %.0f (%.0f/cpu-s)  bf16 %.0f (%.0f/cpu-s)  bf16/f32 median %.2f (min %.2f, max %.2f)  max|diff|/max|f32| %.1e",
                         name.padding(toLength: 24, withPad: " ", startingAt: 0),
                         flops / median(wall[gi][0]) / 1e9, flops / median(cpu[gi][0]) / 1e9,
                         flops / median(wall[gi][1]) / 1e9, flops / median(cpu[gi][1]) / 1e9,
                         median(ratio[gi]), ratio[gi].min()!, ratio[gi].max()!, diff / scale))
        }
    }
}
