import Foundation
import ThawCore
@testable import ThawWeights
import XCTest

final class SafetensorsReaderTests: XCTestCase {
    func testEveryDTypeMatchesTorch() throws {
        let weights = try WeightFile.load(Fixture.path("all_dtypes.safetensors"))
        XCTAssertEqual(weights.format, .safetensors)
        XCTAssertEqual(weights.metadata["note"], "thaw")
        XCTAssertEqual(Set(weights.tensors.map(\.dtype)), Set(WeightDType.allCases))
        assertMatchesGolden(weights, fixture: "all_dtypes.safetensors", ordered: false)
    }

    func testTensorBytesAreSlicesOfTheFile() throws {
        let data = try Fixture.data("all_dtypes.safetensors")
        let weights = try WeightFile.load(data, path: "all_dtypes.safetensors")
        let f32 = try XCTUnwrap(weights["f32"])
        // A slice keeps the parent's indices: it starts inside the file, not at 0.
        XCTAssertGreaterThan(f32.bytes.startIndex, 8)
        XCTAssertEqual(f32.bytes, data[f32.bytes.startIndex..<f32.bytes.endIndex])
    }

    /// Builds a safetensors file from a header and a data buffer.
    private func file(_ header: String, buffer: Int) -> Data {
        var d = Data()
        var n = UInt64(header.utf8.count).littleEndian
        d.append(Data(bytes: &n, count: 8))
        d.append(Data(header.utf8))
        d.append(Data(count: buffer))
        return d
    }

    func testValidHandMadeFileLoads() throws {
        let w = try WeightFile.load(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}"#, buffer: 11), path: "ok.safetensors")
        XCTAssertEqual(w.tensors.map(\.name), ["a", "b"])
    }

    func testHeaderLengthBeyondFile() {
        var d = file("{}", buffer: 0)
        d.replaceSubrange(0..<8, with: [0x00, 0x10, 0, 0, 0, 0, 0, 0])
        assertWeightsError(["bad.safetensors", "header length 4096", "past the end"]) {
            _ = try WeightFile.load(d, path: "bad.safetensors")
        }
        d.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        assertWeightsError(["exceeds"]) { _ = try WeightFile.load(d, path: "bad.safetensors") }
    }

    func testOffsetsOutOfRange() {
        assertWeightsError(["'a'", "past the 8-byte data buffer"]) {
            _ = try WeightFile.load(self.file(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, buffer: 8), path: "x")
        }
        assertWeightsError(["reversed"]) {
            _ = try WeightFile.load(self.file(#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}"#, buffer: 8), path: "x")
        }
    }

    func testOverlappingTensors() {
        assertWeightsError(["'a'", "'b'", "overlap"]) {
            _ = try WeightFile.load(self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, buffer: 12), path: "x")
        }
    }

    func testUnknownDTypeRefusedByName() {
        assertWeightsError(["'a'", "unsupported dtype 'F8_E4M3'"]) {
            _ = try WeightFile.load(self.file(#"{"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#, buffer: 2), path: "x")
        }
    }

    func testShapeAndSizeMismatch() {
        assertWeightsError(["'a'", "shape [3]"]) {
            _ = try WeightFile.load(self.file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, buffer: 8), path: "x")
        }
        // A shape whose product overflows Int must not trap.
        assertWeightsError(["'a'"]) {
            _ = try WeightFile.load(self.file(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, buffer: 8), path: "x")
        }
        assertWeightsError(["negative"]) {
            _ = try WeightFile.load(self.file(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, buffer: 8), path: "x")
        }
    }

    func testMalformedHeaders() {
        for header in ["{", "[]", #"{"a":1}"#, #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#,
                       #"{"a":{"dtype":"F32","shape":"x","data_offsets":[0,4]}}"#,
                       #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#,
                       #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#,
                       #"{"__metadata__":[1]}"#] {
            assertWeightsError(["x.safetensors"]) { _ = try WeightFile.load(self.file(header, buffer: 4), path: "x.safetensors") }
        }
    }

    func testTruncationAtEveryOffsetIsAnError() throws {
        let data = try Fixture.data("all_dtypes.safetensors")
        for cut in 0..<data.count {
            XCTAssertThrowsError(try WeightFile.load(data.prefix(cut), path: "cut"), "cut at \(cut)") { error in
                XCTAssertTrue(error is FileError, "cut at \(cut): \(error)")
            }
        }
    }
}
