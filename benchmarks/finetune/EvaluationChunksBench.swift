import Foundation
import ThawFineTune
import ThawHeads

/// `--eval-chunks=K,R`: R rounds of evaluating `set` through the folded inference top at chunk 32
/// (`FineTuneTrainer.evaluationChunks` 1) and at 32·K rows per chunk, order alternating by round, in this process;
/// maps/s and maps per CPU-second per round, medians, the median per-round ratio, and whether the logits are the
/// same bits (they must be).
func evaluationChunkRounds(model: FineTuneModel, set: FeatureSet, multiple k: Int, rounds: Int, loadAverage: () -> String,
                           cpuSeconds: () -> Double) throws {
    func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
    let settings = FineTuneSettings(epochs: 1, step: FineTuneStep(optimizer: .adamwDefault, lr: 1e-3, clipNorm: 1), chunk: 32)
    let trainer = FineTuneTrainer(model: model, train: set, validation: set, settings: settings)
    var rate: [Int: [Double]] = [1: [], k: []], perCPU: [Int: [Double]] = [1: [], k: []]
    var same = true
    for r in 1...rounds {
        var logits: [Int: [Float]] = [:]
        for m in r % 2 == 1 ? [1, k] : [k, 1] {
            FineTuneTrainer.evaluationChunks = m
            let t0 = Date(), c0 = cpuSeconds()
            logits[m] = trainer.logits(set)
            rate[m]!.append(Double(set.count) / Date().timeIntervalSince(t0))
            perCPU[m]!.append(Double(set.count) / (cpuSeconds() - c0))
            print(String(format: "round %d, chunk %d: %.1f maps/s, %.1f maps/cpu-s (load %@)", r, 32 * m, rate[m]!.last!,
                         perCPU[m]!.last!, loadAverage()))
        }
        same = same && logits[1]!.allSatisfy(\.isFinite) && logits[1]!.map(\.bitPattern) == logits[k]!.map(\.bitPattern)
    }
    let ratios = zip(rate[k]!, rate[1]!).map { $0 / $1 }, cpuRatios = zip(perCPU[k]!, perCPU[1]!).map { $0 / $1 }
    print(String(format: "chunk %d vs 32 over %d rounds: median %.1f vs %.1f maps/s, per-round ratio %.3f (min %.3f, max %.3f); per CPU-second %.1f vs %.1f, ratio %.3f (min %.3f, max %.3f); logits the same bits: %@",
                 32 * k, rounds, median(rate[k]!), median(rate[1]!), median(ratios), ratios.min()!, ratios.max()!,
                 median(perCPU[k]!), median(perCPU[1]!), median(cpuRatios), cpuRatios.min()!, cpuRatios.max()!, same ? "yes" : "NO"))
    FineTuneTrainer.evaluationChunks = 1
}
