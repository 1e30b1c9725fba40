import Foundation

/// `ClassificationMetrics` gathered block by block: only the confusion matrix, loss and top-5 sums and
/// the calibration bins are kept, never the logits, so a split of any size is evaluated in constant memory.
/// Adding rows in the same order gives the same numbers as one `ClassificationMetrics.compute` call.
public struct MetricsAccumulator: Sendable {
    public let classes: Int
    public let eceBins: Int
    private var confusion: [[Int]]   // [true][predicted]
    private var count = 0
    private var loss = 0.0
    private var top5 = 0
    private var binCount: [Int]      // [eceBins]
    private var binConf: [Double]    // [eceBins]
    private var binCorrect: [Double] // [eceBins]

    public init(classes c: Int, eceBins: Int = 15) {
        precondition(c >= 2 && eceBins > 0, "MetricsAccumulator: need ≥2 classes and ≥1 bin")
        classes = c
        self.eceBins = eceBins
        confusion = [[Int]](repeating: [Int](repeating: 0, count: c), count: c)
        binCount = [Int](repeating: 0, count: eceBins)
        binConf = [Double](repeating: 0, count: eceBins)
        binCorrect = [Double](repeating: 0, count: eceBins)
    }

    /// Adds `n` rows of logits [n, ld] (this head's classes at columns offset ..< offset+classes).
    public mutating func add(logits: UnsafePointer<Float>, rowStride ld: Int, offset: Int = 0,
                             labels: UnsafePointer<Int32>, count n: Int) {
        let c = classes
        for i in 0..<n {
            let z = logits + i * ld + offset
            let y = Int(labels[i])
            precondition(y >= 0 && y < c, "MetricsAccumulator: label \(y) outside 0..<\(c)")
            var best = 0
            for j in 1..<c where z[j] > z[best] { best = j }
            let mx = z[best]
            var s: Double = 0
            for j in 0..<c { s += Double(expf(z[j] - mx)) }
            let lse = Double(mx) + log(s)
            loss += lse - Double(z[y])
            // Rank of the true class: number of classes scoring strictly higher (ties favour the label).
            var higher = 0
            for j in 0..<c where z[j] > z[y] { higher += 1 }
            if higher < 5 { top5 += 1 }
            confusion[y][best] += 1
            let conf = exp(Double(mx) - lse)
            // Diverged logits (NaN, ±inf) give a NaN confidence: it lands in the last bin and makes
            // the loss and ECE NaN (recorded as null), instead of trapping in Int(NaN).
            let b = conf.isNaN ? eceBins - 1 : min(Int(conf * Double(eceBins)), eceBins - 1)
            binCount[b] += 1
            binConf[b] += conf
            binCorrect[b] += best == y ? 1 : 0
        }
        count += n
    }

    /// Adds `n` rows of K heads' logits [n, K·classes] (head k at columns k·classes ..<) to `accumulators[k]`,
    /// heads spread over the cores.
    public static func add(_ accumulators: inout [MetricsAccumulator], logits: UnsafePointer<Float>,
                           labels: UnsafePointer<Int32>, count n: Int) {
        let k = accumulators.count
        guard k > 0 else { return }
        let c = accumulators[0].classes, kc = k * c
        let chunks = k * n * c >= 65_536 ? min(k, 2 * ProcessInfo.processInfo.activeProcessorCount) : 1
        accumulators.withUnsafeMutableBufferPointer { buffer in
            let accs = buffer   // disjoint heads per chunk
            let work = { (ch: Int) in
                for h in (k * ch / chunks)..<(k * (ch + 1) / chunks) {
                    accs[h].add(logits: logits, rowStride: kc, offset: h * c, labels: labels, count: n)
                }
            }
            if chunks == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: chunks, execute: work) }
        }
    }

    /// The metrics of every row added so far.
    public var metrics: ClassificationMetrics {
        let c = classes, n = count
        var correct = 0
        var perClassAcc = 0.0, presentClasses = 0, f1Sum = 0.0
        for j in 0..<c {
            correct += confusion[j][j]
            let support = confusion[j].reduce(0, +)
            var predicted = 0
            for i in 0..<c { predicted += confusion[i][j] }
            if support > 0 {
                perClassAcc += Double(confusion[j][j]) / Double(support)
                presentClasses += 1
            }
            // sklearn's f1_score(average="macro"): F1 = 2TP/(2TP+FP+FN), 0 when undefined, every label averaged.
            let denom = support + predicted
            f1Sum += denom > 0 ? 2 * Double(confusion[j][j]) / Double(denom) : 0
        }
        var ece = 0.0
        for b in 0..<eceBins where binCount[b] > 0 {
            ece += abs(binConf[b] - binCorrect[b]) / Double(max(n, 1))
        }
        let nn = Double(max(n, 1))
        return ClassificationMetrics(count: n, loss: loss / nn, top1: Double(correct) / nn, top5: Double(top5) / nn,
                                     meanPerClassAccuracy: presentClasses > 0 ? perClassAcc / Double(presentClasses) : 0,
                                     macroF1: f1Sum / Double(c), expectedCalibrationError: ece, eceBins: eceBins,
                                     confusion: confusion)
    }
}
