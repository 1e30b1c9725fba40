import Foundation
import XCTest
@testable import ThawWeights

/// Views cut from storages: bounds are checked before any byte is read.
final class TorchCheckpointTests: XCTestCase {
    private let storage: Data = {
        var floats = (0..<12).map(Float.init)   // storage of 12 float32
        return Data(bytes: &floats, count: 48)
    }()

    private func view(_ offset: Int, _ shape: [Int], _ strides: [Int]) throws -> WeightTensor {
        let ref = TorchTensorRef(storage: TorchStorageRef(key: "0", dtype: .f32, elementCount: 12),
                                 storageOffset: offset, shape: shape, strides: strides)
        return try TorchCheckpoint.materialize(ref, name: "w", storage: storage, file: "v.pt")
    }

    func testStridedAndContiguousViews() throws {
        XCTAssertEqual(try view(0, [3, 4], [4, 1]).floats(), (0..<12).map(Float.init))
        XCTAssertEqual(try view(0, [4, 3], [1, 4]).floats(), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        XCTAssertEqual(try view(5, [2, 2], [4, 2]).floats(), [5, 7, 9, 11])
        XCTAssertEqual(try view(7, [], []).floats(), [7])
        XCTAssertEqual(try view(3, [2, 1, 2], [2, 99, 1]).floats(), [3, 4, 5, 6])  // size-1 dims: any stride
        XCTAssertEqual(try view(0, [3], [0]).floats(), [0, 0, 0])                   // expanded
        XCTAssertEqual(try view(12, [0, 5], [5, 1]).elementCount, 0)
    }

    func testViewsOutsideTheStorageAreErrors() {
        assertWeightsError(["'w'", "reaches element 12"]) { _ = try self.view(1, [3, 4], [4, 1]) }
        assertWeightsError(["'w'", "reaches element 12"]) { _ = try self.view(12, [], []) }
        assertWeightsError(["'w'", "negative"]) { _ = try self.view(0, [2], [-1]) }
        assertWeightsError(["'w'", "negative"]) { _ = try self.view(-1, [2], [1]) }
        assertWeightsError(["'w'", "overflow"]) { _ = try self.view(0, [2, 2], [Int.max, 1]) }
        assertWeightsError(["'w'", "overflows"]) { _ = try self.view(0, [Int.max, 4], [1, 1]) }
    }

    func testZipEndRecordClaimingTooManyEntries() throws {
        var data = try Fixture.data("small_zip.pt")
        let end = data.count - 22
        XCTAssertEqual(Array(data[end..<(end + 4)]), [0x50, 0x4B, 0x05, 0x06])
        data[end + 10] = 0x88; data[end + 11] = 0x13   // 5,000 entries
        assertWeightsError(["small_zip.pt", "claims 5000 entries"]) { _ = try WeightFile.load(data, path: "small_zip.pt") }
        // Saturated fields send the reader to the ZIP64 end record torch.save writes anyway:
        // the archive must still load from it.
        for i in 10..<20 { data[end + i] = 0xFF }
        assertMatchesGolden(try WeightFile.load(data, path: "small_zip.pt"), fixture: "small_zip.pt")
        // Without the ZIP64 locator in front of the end record, the saturated fields are an error.
        data[end - 20] = 0
        assertWeightsError(["ZIP64", "locator"]) { _ = try WeightFile.load(data, path: "small_zip.pt") }
    }
}
