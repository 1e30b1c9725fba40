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
