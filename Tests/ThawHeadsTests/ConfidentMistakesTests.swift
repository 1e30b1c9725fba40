import XCTest
import ThawHeads

/// `--misclassified N`: only wrong rows, most confident first (ties by sample index), at most N,
/// the same list whether rows come in one batch or several.
final class ConfidentMistakesTests: XCTestCase {
    // 5 rows × 3 classes; labels 0, 1, 2, 1, 1 and sample indices 10…14.
    let logits: [Float] = [
        2, 0, 0,     // right (0)
        3, 0, 0,     // wrong: 0 for 1, p = e³/(e³+2)
        0, 1, 0,     // wrong: 1 for 2, p = e/(e+2)
        3, 0, 0,     // wrong: 0 for 1, the same p as row 1 (the lower sample index goes first)
        0, 5, 0,     // right (1)
    ]
    let labels: [Int32] = [0, 1, 2, 1, 1]
    let indices = [10, 11, 12, 13, 14]

    func testMostConfidentWrongRowsFirst() {
        let m = ConfidentMistakes.of(logits: logits, classes: 3, labels: labels, indices: indices, limit: 5)
        XCTAssertEqual(m.map(\.index), [11, 13, 12])
        XCTAssertEqual(m.map(\.predicted), [0, 0, 1])
        XCTAssertEqual(m.map(\.label), [1, 1, 2])
        XCTAssertEqual(m[0].confidence, exp(3) / (exp(3) + 2), accuracy: 1e-6)
        XCTAssertEqual(m[2].confidence, exp(1) / (exp(1) + 2), accuracy: 1e-6)
        XCTAssertEqual(ConfidentMistakes.of(logits: logits, classes: 3, labels: labels, indices: indices, limit: 2).map(\.index), [11, 13])
        XCTAssertEqual(ConfidentMistakes.of(logits: logits, classes: 3, labels: labels, indices: indices, limit: 0), [])
    }

    func testBatchesGiveTheSameList() {
        var acc = ConfidentMistakes(limit: 2)
        logits.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { y in
                for start in stride(from: 0, to: 5, by: 2) {
                    let n = min(2, 5 - start)
                    acc.add(logits: z.baseAddress! + start * 3, rowStride: 3, classes: 3, labels: y.baseAddress! + start,
                            indices: indices[start..<(start + n)], count: n)
                }
            }
        }
        XCTAssertEqual(acc.mistakes, ConfidentMistakes.of(logits: logits, classes: 3, labels: labels, indices: indices, limit: 2))
    }
}
