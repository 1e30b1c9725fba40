import ThawCore
import XCTest
@testable import ThawHeads

/// Metrics against scikit-learn (goldens from scripts/golden/heads.py).
final class MetricsTests: XCTestCase {
    func testMatchesScikitLearn() {
        let m = Fixtures.meta["metrics"] as! [String: Any]
        let z = Fixtures.floats(m["logits"]!)
        let y = Fixtures.floats(m["labels"]!).map { Int32($0) }
        let c = m["classes"] as! Int
        let got = ClassificationMetrics.compute(logits: z, rowStride: c, classes: c, labels: y, count: y.count)
        XCTAssertEqual(got.top1, m["top1"] as! Double, accuracy: 1e-12)
        XCTAssertEqual(got.top5, m["top5"] as! Double, accuracy: 1e-12)
        XCTAssertEqual(got.meanPerClassAccuracy, m["mean_per_class_accuracy"] as! Double, accuracy: 1e-12)
        XCTAssertEqual(got.macroF1, m["macro_f1"] as! Double, accuracy: 1e-12)
        XCTAssertEqual(got.expectedCalibrationError, m["ece15"] as! Double, accuracy: 1e-5)
        XCTAssertEqual(got.loss, m["loss"] as! Double, accuracy: 1e-5)
        XCTAssertEqual(got.confusion, m["confusion"] as! [[Int]])
    }

    func testRoundTripsThroughJSON() throws {
        let got = ClassificationMetrics.compute(logits: [2, 1, 0, 3], rowStride: 2, classes: 2, labels: [0, 1], count: 2)
        let back = try JSONDecoder().decode(ClassificationMetrics.self, from: JSONEncoder().encode(got))
        XCTAssertEqual(back, got)
        XCTAssertEqual(got.top1, 1)
    }
}

final class MetricsAccumulatorTests: XCTestCase {
    /// Rows added in chunks give exactly the metrics of one pass over all of them.
    func testChunkedEqualsWhole() {
        var g = SplitMix64(seed: 5)
        let n = 257, c = 7, ld = 2 * c
        let logits = (0..<(n * ld)).map { _ in g.nextNormal() * 2 }
        let labels = (0..<n).map { _ in Int32(g.next() % UInt64(c)) }
        logits.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { y in
                let whole = ClassificationMetrics.compute(logits: z.baseAddress!, rowStride: ld, offset: c, classes: c,
                                                          labels: y.baseAddress!, count: n)
                var acc = MetricsAccumulator(classes: c)
                var start = 0
                for size in [1, 100, 50, 106] {
                    acc.add(logits: z.baseAddress! + start * ld, rowStride: ld, offset: c, labels: y.baseAddress! + start, count: size)
                    start += size
                }
                XCTAssertEqual(start, n)
                XCTAssertEqual(acc.metrics, whole)
            }
        }
    }

    /// A diverged head (NaN or infinite logits) gives NaN loss and ECE, never a trap: the run that
    /// produced it must still be recorded.
    func testDivergedLogitsGiveNaNMetricsNotATrap() {
        let logits: [Float] = [.nan, 1, 0, .infinity, -.infinity, 2, 0.5, 0.1, 0.2]   // 3 rows × 3 classes
        let labels: [Int32] = [1, 0, 2]
        let m = logits.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { y in
                ClassificationMetrics.compute(logits: z.baseAddress!, rowStride: 3, classes: 3, labels: y.baseAddress!, count: 3)
            }
        }
        XCTAssertEqual(m.count, 3)
        XCTAssertTrue(m.loss.isNaN)
        XCTAssertTrue(m.expectedCalibrationError.isNaN)
        XCTAssertEqual(m.confusion.flatMap { $0 }.reduce(0, +), 3)
    }
}
