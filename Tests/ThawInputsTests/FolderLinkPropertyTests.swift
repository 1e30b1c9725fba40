import Foundation
import XCTest
import ThawCore
@testable import ThawInputs

/// Random class-folder trees with random folder links (to ancestors, siblings, other classes,
/// outside the root): the listing finishes, lists every image file once at most, and only files
/// that are really there.
final class FolderLinkPropertyTests: XCTestCase {
    func testRandomTreesWithLinksListEachFileOnce() throws {
        var g = SplitMix64(seed: 7)
        func below(_ n: Int) -> Int { Int(g.next() % UInt64(n)) }
        let fm = FileManager.default
        let start = Date()
        for tree in 0..<60 {
            let base = try Fixtures.temporaryFolder(self) + "/t\(tree)"
            let root = base + "/set"
            var folders = ["", "a", "b", "c"].map { root + ($0.isEmpty ? "" : "/" + $0) }
            try fm.createDirectory(atPath: base + "/outside", withIntermediateDirectories: true)
            for cls in folders.dropFirst() { try fm.createDirectory(atPath: cls, withIntermediateDirectories: true) }
            var images = 0
            for i in 0..<(6 + below(10)) {   // sub-folders and images under random folders
                let parent = folders[1 + below(folders.count - 1)]
                if below(2) == 0 {
                    let sub = parent + "/s\(i)"
                    try fm.createDirectory(atPath: sub, withIntermediateDirectories: true)
                    folders.append(sub)
                } else {
                    try Data([0x89]).write(to: URL(fileURLWithPath: parent + "/i\(i).png"))
                    images += 1
                }
            }
            try Data([0x89]).write(to: URL(fileURLWithPath: base + "/outside/o.png"))
            for cls in folders[1...3] { try Data([0x89]).write(to: URL(fileURLWithPath: cls + "/keep.png")) }
            images += 3
            for l in 0..<(1 + below(5)) {   // links from a random class sub-folder to any folder
                let from = folders[1 + below(folders.count - 1)]
                let targets = folders + [base + "/outside"]
                try fm.createSymbolicLink(atPath: from + "/L\(l)", withDestinationPath: targets[below(targets.count)])
            }
            let source = try ImageFolderSource(root: root)
            let real = source.samples.map { URL(fileURLWithPath: root + "/" + $0.id).resolvingSymlinksInPath().path }
            XCTAssertEqual(Set(real).count, real.count, "tree \(tree): a file listed twice: \(source.samples.map(\.id))")
            XCTAssertTrue(real.allSatisfy { fm.fileExists(atPath: $0) }, "tree \(tree)")
            XCTAssertGreaterThanOrEqual(real.count, images, "tree \(tree): an image under the root was left out")
            XCTAssertLessThanOrEqual(real.count, images + 1, "tree \(tree)")   // + the outside image, through a link
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
    }
}
