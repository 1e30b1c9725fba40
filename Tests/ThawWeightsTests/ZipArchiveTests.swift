import Foundation
import XCTest
@testable import ThawWeights

final class ZipArchiveTests: XCTestCase {
    private func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// Re-packs members as a stored ZIP whose central directory saturates every size and offset
    /// at 0xFFFFFFFF and carries the real values in ZIP64 extra fields, ending in ZIP64 records.
    private func zip64Everything(_ members: [(String, Data)]) -> Data {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, contents) in members {
            let offset = out.count
            let n = Array(name.utf8)
            out += le(UInt32(0x0403_4B50)) + le(UInt16(45)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0)) + le(UInt32(0))
            out += le(UInt32(contents.count)) + le(UInt32(contents.count)) + le(UInt16(n.count)) + le(UInt16(0)) + n
            out += Array(contents)
            let extra = le(UInt16(1)) + le(UInt16(24)) + le(UInt64(contents.count)) + le(UInt64(contents.count)) + le(UInt64(offset))
            central += le(UInt32(0x0201_4B50)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0)) + le(UInt32(0))
            central += le(UInt32.max) + le(UInt32.max) + le(UInt16(n.count)) + le(UInt16(extra.count)) + le(UInt16(0))
            central += le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0)) + le(UInt32.max) + n + extra
        }
        let cdOffset = out.count
        out += central
        let end64 = out.count
        out += le(UInt32(0x0606_4B50)) + le(UInt64(44)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt32(0)) + le(UInt32(0))
        out += le(UInt64(members.count)) + le(UInt64(members.count)) + le(UInt64(central.count)) + le(UInt64(cdOffset))
        out += le(UInt32(0x0706_4B50)) + le(UInt32(0)) + le(UInt64(end64)) + le(UInt32(1))
        out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16.max) + le(UInt16.max) + le(UInt32.max) + le(UInt32.max) + le(UInt16(0))
        return Data(out)
    }

    func testZip64CentralDirectoryAndEndRecords() throws {
        let original = try Fixture.data("small_zip.pt")
        let zip = try ZipArchive(original, file: "small_zip.pt")
        let members = try zip.members.map { ($0.name, Data(try zip.contents(of: $0))) }
        let repacked = zip64Everything(members)
        let reread = try ZipArchive(repacked, file: "repacked.pt")
        XCTAssertEqual(reread.members.map(\.name), members.map(\.0))
        XCTAssertTrue(reread.members.allSatisfy { $0.size != 0xFFFF_FFFF && $0.localHeaderOffset != 0xFFFF_FFFF })
        assertMatchesGolden(try WeightFile.load(repacked, path: "repacked.pt"), fixture: "small_zip.pt")
        for cut in stride(from: 0, to: repacked.count, by: 7) {
            XCTAssertThrowsError(try WeightFile.load(repacked.prefix(cut), path: "cut"), "cut at \(cut)")
        }
    }

    func testMemberOffsetBeyondFile() throws {
        var data = zip64Everything([("a/data.pkl", Data([0x80, 0x02, 0x7D, 0x2E]))])
        // The ZIP64 extra's offset is the last 8 bytes before the ZIP64 end record.
        let end64 = data.count - 22 - 20 - 56
        data.replaceSubrange((end64 - 8)..<end64, with: le(UInt64(1) << 40))
        assertWeightsError(["x.pt", "beyond the"]) { _ = try WeightFile.load(data, path: "x.pt") }
    }
}
