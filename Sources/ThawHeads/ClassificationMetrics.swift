import Foundation

/// Evaluation of one head on one split; plain Codable so it goes straight into run records.
public struct ClassificationMetrics: Codable, Hashable, Sendable {
    public var count: Int
    /// Mean softmax cross-entropy (no smoothing, no class weights).
    public var loss: Double
    public var top1: Double
    /// Top-5 accuracy (equals 1 when there are at most 5 classes).
    public var top5: Double
    public var meanPerClassAccuracy: Double
    public var macroF1: Double
    /// Expected calibration error over `eceBins` equal-width confidence bins.
    public var expectedCalibrationError: Double
    public var eceBins: Int
    /// confusion[true][predicted].
    public var confusion: [[Int]]

    /// Metrics of logits [N, ld] (this head's classes at columns offset ..< offset+classes) vs labels.
    public static func compute(logits: UnsafePointer<Float>, rowStride ld: Int, offset: Int = 0, classes c: Int,
                               labels: UnsafePointer<Int32>, count n: Int, eceBins: Int = 15) -> ClassificationMetrics {
        var acc = MetricsAccumulator(classes: c, eceBins: eceBins)
        acc.add(logits: logits, rowStride: ld, offset: offset, labels: labels, count: n)
        return acc.metrics
    }
}
