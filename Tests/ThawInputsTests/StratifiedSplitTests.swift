import XCTest
@testable import ThawInputs

final class StratifiedSplitTests: XCTestCase {
    private func samples() -> [Sample] {
        (0..<1000).map { Sample(index: $0, id: "\($0)", label: $0 % 10 < 7 ? "a" : "b", split: $0 == 5 ? .test : nil) }
    }

    func testDeterministicAndStratified() {
        let split = StratifiedSplit(seed: 42)
        let once = split.assign(samples()), twice = split.assign(samples())
        XCTAssertEqual(once, twice)
        XCTAssertEqual(once[5].split, .test)   // given splits kept
        for label in ["a", "b"] {
            let members = once.filter { $0.label == label && $0.index != 5 }
            let val = members.filter { $0.split == .val }.count, test = members.filter { $0.split == .test }.count
            XCTAssertEqual(Double(val) / Double(members.count), 0.1, accuracy: 0.01, label)
            XCTAssertEqual(Double(test) / Double(members.count), 0.1, accuracy: 0.01, label)
        }
        XCTAssertNotEqual(StratifiedSplit(seed: 43).assign(samples()), once)
    }
}

/// `StratifiedSplit.assign` gives the same splits as before it was built on `StratifiedSplitter`
/// (arrays produced by the earlier implementation; `StratifiedSplitterTests` pins the cut itself).
final class StratifiedSplitPinnedTests: XCTestCase {
    func testPinnedAssignments() {
        let labels = ["cat", "dog", "cat", "eel", "cat", "dog", "cat", "cat", "dog", "cat", "dog", "cat", "dog", "cat", "cat"]
        let samples = labels.enumerated().map { Sample(index: $0, id: "\($0)", label: $1, split: $0 == 4 ? .test : nil) }
        XCTAssertEqual(StratifiedSplit(seed: 42).assign(samples).map { $0.split!.rawValue },
                       ["train", "test", "test", "train", "test", "train", "train", "train", "train", "train", "val", "val", "train", "train", "train"])
        XCTAssertEqual(StratifiedSplit(train: 0.4, val: 0.3, test: 0.3, seed: 9).assign(samples).map { $0.split!.rawValue },
                       ["train", "train", "train", "train", "test", "test", "val", "val", "val", "train", "test", "test", "val", "test", "train"])
    }
}
