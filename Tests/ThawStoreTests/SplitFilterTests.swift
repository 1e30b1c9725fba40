import XCTest
@testable import ThawStore

/// `CacheReader.forEach(include:)` skips records of other splits before decoding them; a damaged split field must
/// not make a record vanish that way.
final class SplitFilterTests: XCTestCase {
    /// Records 0..<10; `testSample` puts indices divisible by 5 in split 1 ("val"), the rest in split 0.
    private func splitOneIndices(_ path: String) throws -> [Int] {
        var seen: [Int] = []
        try CacheReader(path: path).forEach(include: { _, split in split == 1 }) { s in
            seen.append(s.key.index)
            return true
        }
        return seen
    }

    func testOtherSplitsAreSkippedAndTheRequestedOneIsWhole() throws {
        let path = temporaryCachePath()
        _ = try writeSamples(path, testManifest(count: 10), 0..<10)
        XCTAssertEqual(try splitOneIndices(path), [0, 5])
    }

    /// Record 3's split bytes (12..<14) set to 7, beyond the manifest's two splits: the filter cannot know what
    /// the record was, so it decodes it, and the checksum names the damage instead of the record going missing.
    func testASplitFieldBeyondTheManifestIsNeverSkipped() throws {
        let path = temporaryCachePath()
        let m = testManifest(count: 10)
        let w = try writeSamples(path, m, 0..<10)
        var damaged = Record.encode(testSample(3), manifest: m)
        damaged[12] = 7
        try w.environment.write { txn in try txn.put(.records, CacheKey(index: 3).bytes(withViews: false), damaged) }
        XCTAssertThrowsError(try splitOneIndices(path)) { error in
            XCTAssertTrue("\(error)".contains("record #3"), "\(error)")
            XCTAssertTrue("\(error)".contains("checksum mismatch"), "\(error)")
        }
    }
}
