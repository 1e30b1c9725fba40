import Foundation
import XCTest
@testable import ThawInputs

/// Sources named by a path relative to the working directory (`thaw extract --data sub/m.csv`) read
/// and fingerprint the same files as by their absolute path: the folder part is never doubled.
final class RelativePathTests: XCTestCase {
    private var previous = ""

    override func setUpWithError() throws {
        let folder = try Fixtures.temporaryFolder(self)
        previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(folder))
        try FileManager.default.createDirectory(atPath: "sub/img", withIntermediateDirectories: true)
    }

    override func tearDown() { FileManager.default.changeCurrentDirectoryPath(previous) }

    private func write(_ path: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }

    func testManifestCSVAndJSONL() throws {
        try FileManager.default.copyItem(atPath: try Fixtures.photo("dog.jpg"), toPath: "sub/img/dog.jpg")
        try write("sub/m.csv", "path,label\nimg/dog.jpg,dog\n")
        try write("sub/m.jsonl", #"{"path":"img/dog.jpg","label":"dog"}"# + "\n")
        for manifest in ["sub/m.csv", "sub/m.jsonl", "./sub/m.csv"] {
            let source = try ManifestSource(manifest: manifest)
            XCTAssertFalse(try source.fingerprint().isEmpty, manifest)
            XCTAssertGreaterThan(try source.loadImage(source.samples[0], decoder: ImageDecoder()).width, 0, manifest)
        }
    }

    func testTextTable() throws {
        try write("sub/t.csv", "text,label\nhello there,greeting\n")
        let source = try TextTableSource(path: "sub/t.csv")
        XCTAssertFalse(try source.fingerprint().isEmpty)
        XCTAssertEqual(try source.loadText(source.samples[0]), "hello there")
    }

    func testIDXAndPixelCSV() throws {
        try Data([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4]).write(to: URL(fileURLWithPath: "sub/x-images-idx3-ubyte"))
        try Data([0, 0, 8, 1, 0, 0, 0, 1, 7]).write(to: URL(fileURLWithPath: "sub/x-labels-idx1-ubyte"))
        let idx = try IDXSource(parts: [IDXSource.Part(images: "sub/x-images-idx3-ubyte", labels: "sub/x-labels-idx1-ubyte", split: nil)])
        XCTAssertFalse(try idx.fingerprint().isEmpty)
        XCTAssertEqual(try idx.loadImage(idx.samples[0], decoder: ImageDecoder()).width, 2)
        try write("sub/p.csv", "1,2,3,4,5\n")
        XCTAssertFalse(try PixelCSVSource(path: "sub/p.csv").fingerprint().isEmpty)
    }
}
