import XCTest
import ThawCore

/// Pins both styles' exact cuts for fixed seeds: caches (`.extraction`) and run records (`.carve`) made
/// before must keep their splits. The expected arrays were produced by the two splitters this type
/// replaced (`ThawInputs.StratifiedSplit.assign` and `ThawFit.StratifiedCarve`) before they were merged.
final class StratifiedSplitterTests: XCTestCase {
    // Class sizes: 0 → 10, 1 → 7, 2 → 4, 3 → 1, 4 → 0.
    private let classLabels: [Int32] = [0, 1, 2, 0, 1, 0, 3, 0, 1, 0, 2, 0, 1, 0, 0, 1, 2, 0, 1, 0, 0, 2, 1]
    // cat → 8 unsplit (+ index 4 given .test), dog → 5, eel → 1.
    private let names = ["cat", "dog", "cat", "eel", "cat", "dog", "cat", "cat", "dog", "cat", "dog", "cat", "dog", "cat", "cat"]

    func testCarvePinned() {
        XCTAssertEqual(StratifiedSplitter(style: .carve, seed: 7).validationRows(labels: classLabels, classes: 5, fraction: 0.2),
                       [10, 12, 13, 19])
        XCTAssertEqual(StratifiedSplitter(style: .carve, seed: 8).validationRows(labels: classLabels, classes: 5, fraction: 0.5),
                       [3, 4, 7, 11, 12, 14, 16, 17, 18, 19, 21, 22])
    }

    func testExtractionPinned() {
        XCTAssertEqual(assign(seed: 42, val: 0.1, test: 0.1),
                       ["train", "test", "test", "train", "test", "train", "train", "train", "train", "train", "val", "val", "train", "train", "train"])
        XCTAssertEqual(assign(seed: 9, val: 0.3, test: 0.3),
                       ["train", "train", "train", "train", "test", "test", "val", "val", "val", "train", "test", "test", "val", "test", "train"])
    }

    func testCarveKeepsSingletonClassesInTrainAndOneRowPerClassInTrain() {
        let s = StratifiedSplitter(style: .carve, seed: 3)
        XCTAssertEqual(s.cut([5], of: .classIndex(0), heldOut: [0.9]).train, [5])
        let two = s.cut([1, 2], of: .classIndex(1), heldOut: [0.99])
        XCTAssertEqual(two.train.count, 1)
        XCTAssertEqual(two.heldOut[0].count, 1)
    }

    func testExtractionMayLeaveTrainEmpty() {
        let s = StratifiedSplitter(style: .extraction, seed: 3)
        let one = s.cut([5], of: .label("x"), heldOut: [0.5, 0.5])   // round(0.5) = 1 to val, 1 to test: only one member
        XCTAssertEqual(one.train, [])
        XCTAssertEqual(one.heldOut, [[5], []])
    }

    /// The extraction cut as `thaw extract` applies it: index 4 keeps its given split, the rest are cut
    /// per label (labels in sorted order), train then val then test.
    private func assign(seed: UInt64, val: Double, test: Double) -> [String] {
        var out = [String?](repeating: nil, count: names.count)
        out[4] = "test"
        let s = StratifiedSplitter(style: .extraction, seed: seed)
        for label in Set(names).sorted() {
            let members = names.indices.filter { names[$0] == label && $0 != 4 }
            let (train, parts) = s.cut(members, of: .label(label), heldOut: [val, test])
            for i in train { out[i] = "train" }
            for i in parts[0] { out[i] = "val" }
            for i in parts[1] { out[i] = "test" }
        }
        return out.map { $0 ?? "none" }
    }
}
