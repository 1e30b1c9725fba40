import XCTest
import ThawCore

/// `StratifiedSplitter.folds`: K disjoint folds covering every position once, each class split as
/// evenly as it can be, the same folds for the same seed.
final class StratifiedFoldsTests: XCTestCase {
    func testFoldsAreDisjointCoverEveryRowAndAreStratified() {
        // Class sizes 10, 7, 5, 13 (uneven on purpose), in a scrambled order.
        var classes: [Int] = []
        for (c, n) in [10, 7, 5, 13].enumerated() { classes += Array(repeating: c, count: n) }
        var g = SplitMix64(seed: 5)
        g.shuffle(&classes)
        let labels = classes.map(Int32.init)
        for k in [2, 3, 5] {
            let folds = StratifiedSplitter(style: .carve, seed: 11).folds(labels: labels, classes: 4, k: k)
            XCTAssertEqual(folds.count, k)
            let all = folds.flatMap { $0 }
            XCTAssertEqual(all.sorted(), Array(labels.indices), "k=\(k): every row in exactly one fold")
            for f in folds { XCTAssertEqual(f, f.sorted(), "k=\(k): a fold lists its rows ascending") }
            for c in 0..<4 {
                let perFold = folds.map { $0.filter { labels[$0] == Int32(c) }.count }
                XCTAssertLessThanOrEqual(perFold.max()! - perFold.min()!, 1, "k=\(k) class \(c): \(perFold)")
            }
            let sizes = folds.map(\.count)
            XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "k=\(k): fold sizes \(sizes)")
        }
    }

    func testFoldsDependOnTheSeedOnly() {
        let labels: [Int32] = (0..<60).map { Int32($0 % 3) }
        let a = StratifiedSplitter(style: .carve, seed: 1).folds(labels: labels, classes: 3, k: 4)
        XCTAssertEqual(a, StratifiedSplitter(style: .extraction, seed: 1).folds(labels: labels, classes: 3, k: 4))
        XCTAssertNotEqual(a, StratifiedSplitter(style: .carve, seed: 2).folds(labels: labels, classes: 3, k: 4))
    }
}
