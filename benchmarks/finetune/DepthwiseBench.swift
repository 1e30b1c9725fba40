import Foundation
import ThawCore
import ThawKernels

/// `--depthwise[=R]`: the depthwise backward of Lite0 blocks 12–15 alone (chunk 32 of [7, 7, 1152] maps, 5×5 and 3×3,
/// stride 1; and blocks 8–10's 5×5 on 14×14 × 672) with the block kernel
/// (`TrainingKernels.depthwiseBlocks`) and the row kernel, alternating within each round; GFLOP/s (4 per tap and pixel:
/// dx and dW) by the wall clock and per CPU-second of the process, medians and the median per-round ratios.
func depthwiseBackwardRounds(rounds: Int, loadAverage: () -> String, cpuSeconds: () -> Double) {
    let shapes: [(name: String, n: Int, h: Int, c: Int, k: Int, s: Int)] = [
        ("5x5 s1 7x7x1152", 32, 7, 1152, 5, 1), ("3x3 s1 7x7x1152", 32, 7, 1152, 3, 1), ("5x5 s1 14x14x672", 32, 14, 672, 5, 1),
    ]
    var rng = SplitMix64(seed: 7)   // seeded: the system generator spent seconds in getrandom
    for shape in shapes {
        let conv = DepthwiseConv2D(channels: shape.c, kernel: (shape.k, shape.k), stride: (shape.s, shape.s), padding: .same,
                                   weightCHW: (0..<(shape.c * shape.k * shape.k)).map { _ in Float.random(in: -0.3...0.3, using: &rng) })
        let count = shape.n * shape.h * shape.h * shape.c
        let x = (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
        let oh = (shape.h + shape.s - 1) / shape.s
        let dy = (0..<(shape.n * oh * oh * shape.c)).map { _ in Float.random(in: -1...1, using: &rng) }
        var dx = [Float](repeating: 0, count: count), dw = [Float](repeating: 0, count: conv.weight.count)
        let flops = 4.0 * Double(shape.n * oh * oh * shape.c * shape.k * shape.k)
        func rate(_ blocks: Bool) -> (wall: Double, cpu: Double) {
            TrainingKernels.depthwiseBlocks = blocks
            let reps = 20
            let c0 = cpuSeconds(), t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps {
                conv.backward(x: x, y: nil, dy: dy, batch: shape.n, height: shape.h, width: shape.h, dx: &dx, dWeight: &dw, dBias: nil)
            }
            let wall = flops * Double(reps) / Double(DispatchTime.now().uptimeNanoseconds - t0)
            return (wall, flops * Double(reps) / (cpuSeconds() - c0) * 1e-9)
        }
        var blockRates = [Double](), rowRates = [Double](), blockCPU = [Double](), rowCPU = [Double]()
        for r in 0..<rounds {
            for blocks in r % 2 == 0 ? [true, false] : [false, true] {
                let v = rate(blocks)
                if blocks { blockRates.append(v.wall); blockCPU.append(v.cpu) } else { rowRates.append(v.wall); rowCPU.append(v.cpu) }
            }
        }
        TrainingKernels.depthwiseBlocks = true
        let ratios = zip(blockRates, rowRates).map { $0 / $1 }, cpuRatios = zip(blockCPU, rowCPU).map { $0 / $1 }
        print(String(format: "depthwise backward %@ chunk %d: blocks %.1f, row %.1f GFLOP/s (medians of %d), ratio %.2f (%.2f–%.2f); "
                     + "per CPU-second %.1f vs %.1f, ratio %.2f (%.2f–%.2f); load %@",
                     shape.name, shape.n, median(blockRates), median(rowRates), rounds, median(ratios), ratios.min()!, ratios.max()!,
                     median(blockCPU), median(rowCPU), median(cpuRatios), cpuRatios.min()!, cpuRatios.max()!, loadAverage()))
    }
}
