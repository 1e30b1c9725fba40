import Foundation
import ThawHeads

/// The test-metrics line of fit, sweep and finetune. Top-5 is left out for 5 classes or fewer, where it is
/// always 100%.
enum SummaryLine {
    static func test(top1: Double, top5: Double, meanPerClass: Double, macroF1: Double, ece: Double, classes: Int) -> String {
        String(format: "top-1 %.2f%%", 100 * top1) + (classes > 5 ? String(format: "  top-5 %.2f%%", 100 * top5) : "")
            + String(format: "  mean per class %.2f%%  macro-F1 %.4f  ECE %.4f", 100 * meanPerClass, macroF1, ece)
    }

    /// "top-1 …  (N samples)" for a split's metrics.
    static func test(_ m: ClassificationMetrics) -> String {
        test(top1: m.top1, top5: m.top5, meanPerClass: m.meanPerClassAccuracy, macroF1: m.macroF1, ece: m.expectedCalibrationError,
             classes: m.confusion.count) + "  (\(m.count) samples)"
    }
}
