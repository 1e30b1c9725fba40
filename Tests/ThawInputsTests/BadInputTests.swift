import Foundation
import ThawCore
@testable import ThawInputs
import XCTest

/// Every kind of bad input throws an `FileError` naming the file and the problem — never a crash.
final class BadInputTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws { folder = try Fixtures.temporaryFolder(self) }

    private func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = folder + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func expectError(_ file: String, _ problem: String, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), line: line) { error in
            guard let e = error as? FileError else { return XCTFail("not a FileError: \(error)", line: line) }
            XCTAssert(e.file.hasSuffix(file), "error names \(e.file), expected \(file)", line: line)
            XCTAssert(e.problem.contains(problem), "problem \"\(e.problem)\" lacks \"\(problem)\"", line: line)
            XCTAssertFalse(e.fix.isEmpty, line: line)
            XCTAssertNil(libraryInternal(in: e.fix), "the fix names a library internal a CLI user cannot set: \(e.fix)", line: line)
        }
    }

    private func realBytes(_ photo: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: try Fixtures.photo(photo)))) }

    func testTruncatedJPEG() throws {
        let dog = try realBytes("dog.jpg")
        let path = try write("half.jpg", Array(dog.prefix(dog.count / 2)))
        expectError("half.jpg", "corrupt or truncated JPEG") { _ = try ImageDecoder().decode(file: path) }
    }

    func testCorruptJPEG() throws {
        let path = try write("junk.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x13, 0x37] + [UInt8](repeating: 0xA5, count: 300))
        expectError("junk.jpg", "corrupt JPEG") { _ = try ImageDecoder().decode(file: path) }
    }

    func testTruncatedAndCorruptPNG() throws {
        let png = try realBytes("chelsea.png")
        let half = try write("half.png", Array(png.prefix(png.count / 2)))
        expectError("half.png", "corrupt or truncated PNG") { _ = try ImageDecoder().decode(file: half) }
        var flipped = png
        for i in stride(from: png.count / 3, to: png.count / 3 + 64, by: 1) { flipped[i] ^= 0x5A }
        let bad = try write("flipped.png", flipped)
        expectError("flipped.png", "corrupt or truncated PNG") { _ = try ImageDecoder().decode(file: bad) }
    }

    func testZeroByteFile() throws {
        let path = try write("empty.jpg", [])
        expectError("empty.jpg", "is empty (0 bytes)") { _ = try ImageDecoder().decode(file: path) }
    }

    func testOtherFormatsRenamedJPG() throws {
        let gif = try write("a.jpg", Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0])
        expectError("a.jpg", "is a GIF image, not a JPEG or PNG") { _ = try ImageDecoder().decode(file: gif) }
        let bmp = try write("b.jpg", Array("BM".utf8) + [UInt8](repeating: 0, count: 60))
        expectError("b.jpg", "is a BMP image") { _ = try ImageDecoder().decode(file: bmp) }
        let text = try write("c.jpg", Array("hello, this is not a picture\n".utf8))
        expectError("c.jpg", "is text, not a JPEG or PNG") { _ = try ImageDecoder().decode(file: text) }
    }

    func testDecompressionBombRefusedFromHeader() throws {
        // A PNG whose IHDR declares 100000 x 100000 pixels, with no image data at all.
        var ihdr: [UInt8] = Array("IHDR".utf8)
        for v in [UInt32(100_000), UInt32(100_000)] { ihdr += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        ihdr += [8, 2, 0, 0, 0]
        let crc = ihdr.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32Bytes($0)) }
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + ihdr
            + [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
        let bomb = try write("bomb.png", png)
        expectError("bomb.png", "declared size 100000x100000 exceeds the limit") { _ = try ImageDecoder().decode(file: bomb) }

        // dog.jpg with its SOF0 height and width patched to 60000.
        var jpg = try realBytes("dog.jpg")
        let sof = try XCTUnwrap((0..<(jpg.count - 1)).first { jpg[$0] == 0xFF && (jpg[$0 + 1] == 0xC0 || jpg[$0 + 1] == 0xC2) })
        jpg[sof + 5] = 0xEA; jpg[sof + 6] = 0x60; jpg[sof + 7] = 0xEA; jpg[sof + 8] = 0x60
        let big = try write("bomb.jpg", jpg)
        expectError("bomb.jpg", "declared size 60000x60000 exceeds the limit") { _ = try ImageDecoder().decode(file: big) }
    }

    func testMissingFileAndUnreadableFolder() throws {
        expectError("nope.jpg", "cannot be read") { _ = try ImageDecoder().decode(file: folder + "/nope.jpg") }
        expectError("missing", "is not a folder") { _ = try ImageFolderSource(root: folder + "/missing") }
        let sub = folder + "/locked"
        try FileManager.default.createDirectory(atPath: sub + "/cls", withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: sub)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sub) }
        if getuid() != 0 {   // root reads anything
            expectError("locked", "cannot be read") { _ = try ImageFolderSource(root: sub) }
        }
    }

    func testEmptyClassFolder() throws {
        _ = try write("set/cats/a.png", [0x89])
        try FileManager.default.createDirectory(atPath: folder + "/set/dogs", withIntermediateDirectories: true)
        _ = try write("set/dogs/notes.txt", Array("x".utf8))
        expectError("set/dogs", "class folder holds no images") { _ = try ImageFolderSource(root: folder + "/set") }
    }

    func testManifestRowWithoutLabel() throws {
        let csv = try write("m.csv", Array("path,label\na.jpg,cat\nb.jpg,\n".utf8))
        expectError("m.csv:3", "row for b.jpg has no label") { _ = try ManifestSource(manifest: csv) }
        let jsonl = try write("m.jsonl", Array("{\"path\":\"a.jpg\",\"label\":\"cat\"}\n{\"path\":\"b.jpg\"}\n".utf8))
        expectError("m.jsonl:2", "row for b.jpg has no label") { _ = try ManifestSource(manifest: jsonl) }
        let split = try write("s.csv", Array("path,label,split\na.jpg,cat,holdout\n".utf8))
        expectError("s.csv:2", "split \"holdout\" is not train, val or test") { _ = try ManifestSource(manifest: split) }
    }

    func testNonUTF8TextFile() throws {
        _ = try write("news/sport/001.txt", Array("caf".utf8) + [0xE9, 0x20, 0x6F, 0x6B])   // Latin-1 é
        let source = try TextFolderSource(root: folder + "/news")
        expectError("sport/001.txt", "is not valid UTF-8") { _ = try source.loadText(source.samples[0]) }
    }

    func testIDXImagesOfZeroByZeroAreRefused() throws {
        // Two 0×0 images: the payload (0 bytes) matches the dims, but there is nothing to resize.
        let empty = try write("e-images-idx3-ubyte", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0])
        expectError("e-images-idx3-ubyte", "empty dimension") { _ = try IDXFile(path: empty) }
        let noCount = try write("n-labels-idx1-ubyte", [0, 0, 8, 1, 0, 0, 0, 0])
        XCTAssertEqual(try IDXFile(path: noCount).count, 0)   // an empty set is still a valid file
    }

    func testBadIDX() throws {
        let wrongType = try write("x.idx", [0, 0, 0x0D, 1, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8])
        expectError("x.idx", "dtype 0x0D") { _ = try IDXFile(path: wrongType) }
        let short = try write("y.idx", [0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3])
        expectError("y.idx", "holds 3 data bytes but its dims [10, 28, 28] need 7840") { _ = try IDXFile(path: short) }
        let fashion = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try Fixtures.require(
            "\(Fixtures.fashion)/t10k-labels-idx1-ubyte.gz", install: "apt-get install dataset-fashion-mnist"))))
        let cut = try write("cut.gz", Array(fashion.prefix(fashion.count / 2)))
        expectError("cut.gz", "gzip stream is truncated") { _ = try IDXFile(path: cut) }
    }

    func testBadPixelCSVRows() throws {
        let csv = try write("p.csv", Array("0,0,0,0,1\n0,x,0,0,2\n".utf8))
        expectError("p.csv:2", "not a whole number") { _ = try PixelCSVSource(path: csv) }
        let odd = try write("q.csv", Array("0,0,0,1\n".utf8))
        expectError("q.csv:1", "row has 3 pixel values, not a square image") { _ = try PixelCSVSource(path: odd) }
        let high = try write("r.csv", Array("0,0,0,300,1\n".utf8))
        expectError("r.csv:1", "pixel value 300 is over 255") { _ = try PixelCSVSource(path: high) }
    }
}

private func crc32Bytes(_ b: UnsafeBufferPointer<UInt8>) -> UInt {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in b {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return UInt(crc ^ 0xFFFF_FFFF)
}

/// Messages for CLI users name what they can do, not Swift API they cannot reach.
final class MessageWordingTests: XCTestCase {
    func testTheInternalsDetectorCatchesTheOldWordings() {
        XCTAssertEqual(libraryInternal(in: "raise ImageDecoder.maxPixels if the image is genuine"), "ImageDecoder.maxPixels")
        XCTAssertEqual(libraryInternal(in: "re-save it as UTF-8, or pass latin1Fallback: true"), "latin1Fallback: true")
        XCTAssertEqual(libraryInternal(in: "or add a KeyRule that maps its key names"), "KeyRule")
        XCTAssertNil(libraryInternal(in: "re-save it with torch.save(model.state_dict(), path), or pass --on-error skip"))
    }
}
