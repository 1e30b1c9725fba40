import Foundation
import XCTest
@testable import ThawStore

final class ExportTests: XCTestCase {
    func testExportWritesNumpyFilesAndInfoCounts() throws {
        let path = temporaryCachePath()
        _ = try writeSamples(path, testManifest(count: 20), 0..<20)
        let r = try CacheReader(path: path)
        let dir = (path as NSString).deletingLastPathComponent
        let result = try r.export(tap: "map", to: dir + "/map.npy", labelsTo: dir + "/labels.npy", split: "val")
        XCTAssertEqual(result.shape, [4, 3, 3, 8])
        let (shape, data) = try readNPY(dir + "/map.npy")
        XCTAssertEqual(shape, [4, 3, 3, 8])
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(Array(values.prefix(72)), try XCTUnwrap(r.sample(at: 0)).taps[1])
        let (lshape, labels) = try readNPY(dir + "/labels.npy")
        XCTAssertEqual(lshape, [4])
        XCTAssertEqual(labels.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }, [0, 2, 1, 0])

        let info = try r.info()
        XCTAssertEqual(info.records, 20)
        XCTAssertEqual(info.recordsPerSplit, ["train": 16, "val": 4])
        XCTAssertEqual(info.tapBytes.map(\.bytesPerRecord), [128, 144, 80])
        XCTAssertTrue(info.complete)
        XCTAssertGreaterThan(info.fileBytes, 0)
    }
}
