import Foundation
import ThawCore
@testable import ThawWeights
import XCTest

final class TorchReaderTests: XCTestCase {
    func testZipStateDictMatchesTorch() throws {
        let weights = try WeightFile.load(Fixture.path("small_zip.pt"))
        XCTAssertEqual(weights.format, .torchZip)
        assertMatchesGolden(weights, fixture: "small_zip.pt")
        XCTAssertEqual(weights["bn.num_batches_tracked"]?.floats(), [42])
    }

    func testLegacyStateDictMatchesTorch() throws {
        let weights = try WeightFile.load(Fixture.path("small_legacy.pt"))
        XCTAssertEqual(weights.format, .torchLegacy)
        assertMatchesGolden(weights, fixture: "small_legacy.pt")
    }

    func testZip64ArchiveMatchesTorch() throws {
        assertMatchesGolden(try WeightFile.load(Fixture.path("zip64.pt")), fixture: "zip64.pt")
    }

    func testViewsHalfTypesAndNestingInBothFormats() throws {
        for name in ["views_zip.pt", "views_legacy.pt"] {
            let weights = try WeightFile.load(Fixture.path(name))
            assertMatchesGolden(weights, fixture: name)
            XCTAssertEqual(weights.metadata["epoch"], "int 7", name)
            // Contiguous views stay slices of the file; the transposed one is a fresh copy.
            let base = try XCTUnwrap(weights["state_dict.base"])
            let row = try XCTUnwrap(weights["state_dict.row"])
            XCTAssertEqual(row.bytes.startIndex, base.bytes.startIndex + 12 * 4, name)
            XCTAssertEqual(weights["state_dict.transposed"]?.bytes.startIndex, 0, name)
        }
    }

    func testFormatDetectedByContentNotExtension() throws {
        let safetensors = try WeightFile.load(Fixture.data("all_dtypes.safetensors"), path: "weights.pt")
        XCTAssertEqual(safetensors.format, .safetensors)
        let zip = try WeightFile.load(Fixture.data("small_zip.pt"), path: "weights.safetensors")
        XCTAssertEqual(zip.format, .torchZip)
        let legacy = try WeightFile.load(Fixture.data("small_legacy.pt"), path: "weights.bin")
        XCTAssertEqual(legacy.format, .torchLegacy)
        assertWeightsError(["notes.txt", "is not a safetensors file"]) {
            _ = try WeightFile.load(Data("hello, world".utf8), path: "notes.txt")
        }
    }

    func testForbiddenGlobalsAreRefusedByName() {
        for (file, global) in [("evil_os_system.pkl", "os.system"), ("evil_eval.pkl", "builtins.eval"),
                               ("evil_posix.pkl", "posix.system"), ("evil_zip.pt", "builtins.eval")] {
            assertWeightsError([file, "'\(global)'", "refuses"]) { _ = try WeightFile.load(Fixture.path(file)) }
        }
    }

    func testCompressedMemberRefused() {
        assertWeightsError(["compressed.pt", "compressed (method 8)"]) { _ = try WeightFile.load(Fixture.path("compressed.pt")) }
    }

    func testMissingDataMemberRefused() {
        assertWeightsError(["missing_member.pt", "small_zip/data/0", "missing"]) { _ = try WeightFile.load(Fixture.path("missing_member.pt")) }
    }

    func testStorageSizeMismatchInLegacyFile() throws {
        // The first storage record follows the key-list pickle; patch its element count.
        var data = try Fixture.data("small_legacy.pt")
        var u = Unpickler(data, file: "x")
        for _ in 0..<5 { _ = try u.load() }
        let at = u.offset
        data[at] &+= 1
        assertWeightsError(["small_legacy.pt", "holds", "elements"]) { _ = try WeightFile.load(data, path: "small_legacy.pt") }
    }

    func testStorageSizeMismatchInZip() throws {
        // Make the pickle claim one more element for storage 0 than its member holds: the numel
        // in the persistent id is the BININT1 after the 'cpu' location string.
        var data = try Fixture.data("small_zip.pt")
        let marker = Data("cpu".utf8)
        let range = try XCTUnwrap(data.range(of: marker))
        var i = range.upperBound
        while data[i] != UInt8(ascii: "K") && data[i] != UInt8(ascii: "M") { i += 1 }   // skip the BINPUT after 'cpu'
        XCTAssertEqual(data[i], UInt8(ascii: "K"))
        data[i + 1] &+= 1
        assertWeightsError(["small_zip.pt", "should hold"]) { _ = try WeightFile.load(data, path: "small_zip.pt") }
    }

    func testTruncationAtEveryOffsetIsAnError() throws {
        for name in ["small_zip.pt", "small_legacy.pt", "views_legacy.pt"] {
            let data = try Fixture.data(name)
            for cut in 0..<data.count {
                XCTAssertThrowsError(try WeightFile.load(data.prefix(cut), path: name), "\(name) cut at \(cut)") { error in
                    XCTAssertTrue(error is FileError, "\(name) cut at \(cut): \(error)")
                }
            }
        }
    }

    /// Overwrites each byte in turn with 0xFF and with one bit flipped: loading must throw or succeed, never trap.
    func testCorruptedBytesNeverCrash() throws {
        for name in ["small_legacy.pt", "views_zip.pt", "all_dtypes.safetensors"] {
            let original = try Fixture.data(name)
            for i in 0..<original.count {
                for value: UInt8 in [0xFF, original[i] ^ 0x01] {
                    var data = original
                    data[i] = value
                    if let w = try? WeightFile.load(data, path: name) {
                        for t in w.tensors { _ = t.floats() }
                    }
                }
            }
        }
    }
}
