import Foundation
import ThawHeads
import ThawTraining

/// The test-metrics line of fit, sweep and finetune. Top-5 is left out for 5 classes or fewer, where it is
/// always 100%.
enum SummaryLine {
    static func test(top1: Double, top5: Double, meanPerClass: Double, macroF1: Double, ece: Double, classes: Int) -> String {
        String(format: "top-1 %.2f%%", 100 * top1) + (classes > 5 ? String(format: "  top-5 %.2f%%", 100 * top5) : "")
            + String(format: "  mean per class %.2f%%  macro-F1 %.4f  ECE %.4f", 100 * meanPerClass, macroF1, ece)
    }

    /// One epoch as fit and finetune print it.
    static func epoch(_ e: EpochRecord) -> String {
        String(format: "epoch %3d  train loss %.4f  val loss %.4f  val top-1 %6.2f%%  lr %.2e  %.2fs",
               e.epoch + 1, e.trainLoss, e.valLoss ?? .nan, 100 * (e.valTop1 ?? .nan), Double(e.lr), e.seconds)
    }

    /// "top-1 …  (N samples)" for a split's metrics.
    static func test(_ m: ClassificationMetrics) -> String {
        test(top1: m.top1, top5: m.top5, meanPerClass: m.meanPerClassAccuracy, macroF1: m.macroF1, ece: m.expectedCalibrationError,
             classes: m.confusion.count) + "  (\(m.count) samples)"
    }
}
