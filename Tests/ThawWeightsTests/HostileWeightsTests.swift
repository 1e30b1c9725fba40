import Foundation
import ThawCore
@testable import ThawWeights
import XCTest

/// Weight files that are small but ask for the impossible (a 40 GB view, a byte count past 2^63)
/// or are ambiguous (one name, two tensors): each is a clear `FileError`, never a trap or a
/// huge allocation. Fixtures: scripts/golden/hostile_weights.py.
final class HostileWeightsTests: XCTestCase {
    /// Builds a safetensors file from a header and a zeroed data buffer.
    private func safetensors(_ header: String, buffer: Int) -> Data {
        var n = UInt64(header.utf8.count).littleEndian
        return Data(bytes: &n, count: 8) + Data(header.utf8) + Data(count: buffer)
    }

    func testStrideZeroViewOf40GBIsRefused() throws {
        let data = try Fixture.data("stride0_huge_legacy.pt")
        XCTAssertLessThan(data.count, 500)
        assertWeightsError(["stride0_huge_legacy.pt", "'w'", "[100000, 100000]", "repeats the 1 elements", "limit"]) {
            _ = try WeightFile.load(Fixture.path("stride0_huge_legacy.pt"))
        }
    }

    func testShapeOfIntMaxIsRefused() throws {
        assertWeightsError(["intmax_shape_legacy.pt", "'w'", "overflows"]) {
            _ = try WeightFile.load(Fixture.path("intmax_shape_legacy.pt"))
        }
    }

    func testRepeatedViewsWithinTheLimitStillLoad() throws {
        var one: Float = 2.5
        let ref = TorchTensorRef(storage: TorchStorageRef(key: "0", dtype: .f32, elementCount: 1), storageOffset: 0,
                                 shape: [1 << 12, 1 << 12], strides: [0, 0])
        let t = try TorchCheckpoint.materialize(ref, name: "b", storage: Data(bytes: &one, count: 4), file: "b.pt")
        XCTAssertEqual(t.elementCount, 1 << 24)
        XCTAssertEqual(t.floats().last, 2.5)
        let over = TorchTensorRef(storage: ref.storage, storageOffset: 0, shape: [(1 << 24) + 1], strides: [0])
        assertWeightsError(["'b'", "repeats"]) {
            _ = try TorchCheckpoint.materialize(over, name: "b", storage: Data(bytes: &one, count: 4), file: "b.pt")
        }
    }

    func testIntAndStringKeysThatCollideAreRefused() throws {
        assertWeightsError(["int_str_keys_legacy.pt", "both name '1'"]) {
            _ = try WeightFile.load(Fixture.path("int_str_keys_legacy.pt"))
        }
    }

    func testSafetensorsDuplicateKeysAreRefused() {
        let tensor = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#
        assertWeightsError(["dup.safetensors", "names 'a' twice"]) {
            _ = try WeightFile.load(self.safetensors(#"{"a":\#(tensor),"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, buffer: 8),
                                    path: "dup.safetensors")
        }
        // The same name spelled with an escape is still the same name.
        assertWeightsError(["names 'a' twice"]) {
            _ = try WeightFile.load(self.safetensors(#"{"a":\#(tensor),"\u0061":\#(tensor)}"#, buffer: 4), path: "dup.safetensors")
        }
        assertWeightsError(["names 'dtype' twice"]) {
            _ = try WeightFile.load(self.safetensors(#"{"a":{"dtype":"F32","dtype":"U8","shape":[1],"data_offsets":[0,4]}}"#, buffer: 4),
                                    path: "dup.safetensors")
        }
        // Equal strings as values, or keys of different objects, are no duplicates.
        XCTAssertNoThrow(try WeightFile.load(self.safetensors(
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"__metadata__":{"a":"a, \"b\"","b":"{"}}"#,
            buffer: 8), path: "ok.safetensors"))
    }

    func testSafetensorsBooleanAndFractionalShapesAreRefused() {
        for shape in ["[true]", "[false]", "[1, true]", "[2.0]"] {
            assertWeightsError(["'a'", "shape is not a list of integers"]) {
                _ = try WeightFile.load(self.safetensors(#"{"a":{"dtype":"U8","shape":\#(shape),"data_offsets":[0,1]}}"#, buffer: 1), path: "b.safetensors")
            }
        }
        assertWeightsError(["'a'", "data_offsets"]) {
            _ = try WeightFile.load(self.safetensors(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[false,true]}}"#, buffer: 1), path: "b.safetensors")
        }
        assertWeightsError(["'a'", "negative"]) {
            _ = try WeightFile.load(self.safetensors(#"{"a":{"dtype":"U8","shape":[-1, -1],"data_offsets":[0,1]}}"#, buffer: 1), path: "b.safetensors")
        }
    }
}
