import Foundation
import ThawAssets
import ThawExtract
import ThawInputs
import XCTest

/// `--data` resolution: shortcuts, folders, tables, IDX files, and a clear error otherwise.
final class DataSpecTests: XCTestCase {
    private func kind(_ spec: String) throws -> String {
        switch try DataSpec.resolve(spec) {
        case .images(let s): return "images \(s.samples.count)"
        case .text(let s): return "text \(s.samples.count)"
        }
    }

    func testShortcutsAndIDXFile() throws {
        _ = try ExtractTestSupport.fashionMNIST()
        XCTAssertEqual(try kind("fashion-mnist"), "images 70000")
        XCTAssertEqual(try kind(ExtractTestSupport.fashionFolder + "/t10k-images-idx3-ubyte.gz"), "images 10000")
    }

    func testFoldersAndTables() throws {
        let dir = try ExtractTestSupport.temporaryDirectory(self)
        let fm = FileManager.default
        for (cls, text) in [("a", "first text"), ("b", "second text")] {
            try fm.createDirectory(atPath: "\(dir)/texts/\(cls)", withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/texts/\(cls)/1.txt"))
        }
        XCTAssertEqual(try kind(dir + "/texts"), "text 2")
        try Data("text,label\n\"hello, world\",greeting\nbye,farewell\n".utf8).write(to: URL(fileURLWithPath: dir + "/t.csv"))
        XCTAssertEqual(try kind(dir + "/t.csv"), "text 2")
        try Data("{\"text\":\"hi\",\"label\":\"x\"}\n".utf8).write(to: URL(fileURLWithPath: dir + "/t.jsonl"))
        XCTAssertEqual(try kind(dir + "/t.jsonl"), "text 1")
        let photos = AssetPaths.photosDirectory
        if fm.fileExists(atPath: photos + "/chelsea.png") {
            try fm.createDirectory(atPath: dir + "/img/cat", withIntermediateDirectories: true)
            try fm.copyItem(atPath: photos + "/chelsea.png", toPath: dir + "/img/cat/chelsea.png")
            XCTAssertEqual(try kind(dir + "/img"), "images 1")
            try Data("path,label\nimg/cat/chelsea.png,cat\n".utf8).write(to: URL(fileURLWithPath: dir + "/m.csv"))
            XCTAssertEqual(try kind(dir + "/m.csv"), "images 1")
        }
        XCTAssertThrowsError(try DataSpec.resolve(dir + "/nothing-here")) {
            XCTAssertTrue(String(describing: $0).contains("nothing-here"), String(describing: $0))
        }
    }
}
