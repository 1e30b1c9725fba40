import Foundation
import ThawCore
@testable import ThawInputs
import XCTest

/// Folder links in class-per-folder data: a loop (a link back to an ancestor) or a second link to
/// one folder is skipped and reported, never walked again — one loop once turned 2 images into 82
/// samples, and two loops made the walk grow without end.
final class FolderLinkTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws { folder = try Fixtures.temporaryFolder(self) }

    private func file(_ name: String) throws {
        let path = folder + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data([0x89]).write(to: URL(fileURLWithPath: path))
    }

    /// `name` becomes a link to `target` (relative to the link's folder, as `ln -s target name`).
    private func link(_ name: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: folder + "/" + name, withDestinationPath: target)
    }

    func testOneLoopListsEachImageOnce() throws {
        try file("set/cats/a.png")
        try file("set/dogs/b.png")
        try link("set/cats/again", to: "../cats")
        let source = try ImageFolderSource(root: folder + "/set")
        XCTAssertEqual(source.samples.map(\.id), ["cats/a.png", "dogs/b.png"])
        XCTAssertEqual(source.skippedLinks, ["cats/again → cats"])
    }

    func testTwoLoopsFinishFast() throws {
        try file("set/cats/a.png")
        try file("set/dogs/deep/b.png")
        try link("set/cats/self", to: ".")
        try link("set/cats/root", to: "..")
        try link("set/dogs/deep/up", to: "..")
        let start = Date()
        let source = try ImageFolderSource(root: folder + "/set")
        XCTAssertLessThan(Date().timeIntervalSince(start), 2, "the walk must not follow loops")
        XCTAssertEqual(source.samples.map(\.id), ["cats/a.png", "dogs/deep/b.png"])
        XCTAssertEqual(source.samples.map(\.label), ["cats", "dogs"])
        XCTAssertEqual(source.skippedLinks, ["cats/root → .", "cats/self → cats", "dogs/deep/up → dogs"])
    }

    func testLinkIntoAnotherClassIsNotListedTwice() throws {
        try file("set/cats/a.png")
        try file("set/dogs/b.png")
        try link("set/dogs/alias", to: "../cats")
        let source = try ImageFolderSource(root: folder + "/set")
        XCTAssertEqual(source.samples.map(\.id), ["cats/a.png", "dogs/b.png"])
        XCTAssertEqual(source.skippedLinks, ["dogs/alias → cats"])
        // A link to a later class's folder does not claim it either.
        try link("set/cats/ahead", to: "../dogs")
        let again = try ImageFolderSource(root: folder + "/set")
        XCTAssertEqual(again.samples.map(\.id), ["cats/a.png", "dogs/b.png"])
        XCTAssertEqual(again.samples.map(\.label), ["cats", "dogs"])
        XCTAssertEqual(again.skippedLinks, ["cats/ahead → dogs", "dogs/alias → cats"])
    }

    func testClassFolderLinkedToAnotherClassIsAnError() throws {
        try file("set/cats/a.png")
        try link("set/kittens", to: "cats")
        XCTAssertThrowsError(try ImageFolderSource(root: folder + "/set")) { error in
            XCTAssert((error as? FileError)?.problem.contains("is the same folder as cats") == true, "\(error)")
        }
    }

    func testLinkToAFolderOutsideIsFollowed() throws {
        try file("set/cats/a.png")
        try file("elsewhere/b.png")
        try link("set/cats/more", to: "../../elsewhere")
        let source = try ImageFolderSource(root: folder + "/set")
        XCTAssertEqual(source.samples.map(\.id), ["cats/a.png", "cats/more/b.png"])
        XCTAssertEqual(source.skippedLinks, [])
    }

    func testTextFolderWithLoops() throws {
        try file("news/sport/1.txt")
        try file("news/tech/2.txt")
        try link("news/sport/loop", to: "..")
        try link("news/tech/loop", to: ".")
        let source = try TextFolderSource(root: folder + "/news")
        XCTAssertEqual(source.samples.map(\.id), ["sport/1.txt", "tech/2.txt"])
        XCTAssertEqual(source.skippedLinks.count, 2)
    }
}
