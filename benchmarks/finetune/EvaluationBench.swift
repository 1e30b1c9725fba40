import Foundation
import ThawFineTune
import ThawHeads

/// `--evaluate=R`: R rounds of evaluating `set` (`FineTuneTrainer.logits`, chunk by chunk) through the folded
/// inference top and through the training forward in `.running` mode, order alternating by round, in this process;
/// maps/s per round, medians, the median per-round ratio, and the largest logit difference between the two.
func evaluationRounds(model: FineTuneModel, set: FeatureSet, chunks: [Int], rounds: Int, loadAverage: () -> String,
                      cpuSeconds: () -> Double) throws {
    func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
    for chunk in chunks {
        let settings = FineTuneSettings(epochs: 1, step: FineTuneStep(optimizer: .adamwDefault, lr: 1e-3, clipNorm: 1), chunk: chunk)
        let trainer = FineTuneTrainer(model: model, train: set, validation: set, settings: settings)
        var folded = [Double](), training = [Double](), foldedCPU = [Double](), trainingCPU = [Double](), worst: Float = 0
        for r in 1...rounds {
            var logits: [[Float]] = []
            for useFolded in r % 2 == 1 ? [true, false] : [false, true] {
                FineTuneTrainer.foldedEvaluation = useFolded
                let t0 = Date(), c0 = cpuSeconds()
                let z = trainer.logits(set)
                let rate = Double(set.count) / Date().timeIntervalSince(t0), perCPU = Double(set.count) / (cpuSeconds() - c0)
                if useFolded { folded.append(rate); foldedCPU.append(perCPU) } else { training.append(rate); trainingCPU.append(perCPU) }
                logits.append(z)
                print(String(format: "chunk %d round %d %@: %.1f maps/s, %.1f maps/cpu-s (load %@)", chunk, r,
                             useFolded ? "folded" : "training-forward", rate, perCPU, loadAverage()))
            }
            for (a, b) in zip(logits[0], logits[1]) { worst = max(worst, abs(a - b).isNaN ? .infinity : abs(a - b)) }
        }
        let ratios = zip(folded, training).map { $0 / $1 }, cpuRatios = zip(foldedCPU, trainingCPU).map { $0 / $1 }
        print(String(format: "chunk %d: median folded %.1f, training forward %.1f maps/s, median per-round ratio %.2f (min %.2f, max %.2f); per CPU-second %.1f vs %.1f, ratio %.2f (min %.2f, max %.2f); largest logit difference %.2e",
                     chunk, median(folded), median(training), median(ratios), ratios.min()!, ratios.max()!,
                     median(foldedCPU), median(trainingCPU), median(cpuRatios), cpuRatios.min()!, cpuRatios.max()!, worst))
    }
    FineTuneTrainer.foldedEvaluation = true
}
