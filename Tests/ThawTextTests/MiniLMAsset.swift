import Foundation
import ThawAssets
import ThawText
import XCTest

/// The installed all-MiniLM-L6-v2 tokenizer, or a skip naming the install command.
func miniLMTokenizer(maxLength: Int = 256) throws -> BertTokenizer {
    let asset = KnownAsset.named("all-minilm-l6-v2")!
    guard let weights = asset.find() else {
        throw XCTSkip("all-MiniLM-L6-v2 is not installed: \(asset.installCommand)")
    }
    let dir = URL(fileURLWithPath: weights).deletingLastPathComponent()
    return try BertTokenizer(modelDirectory: dir, maxLength: maxLength)
}

func fixtureURL(_ name: String) throws -> URL {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw MissingFixture("fixture \(name) missing: run python3 scripts/golden/wordpiece.py")
    }
    return url
}

/// Fails with the first differing position and both id runs around it.
func assertSameIds(_ got: [Int32], _ expected: [Int32], _ label: String,
                   file: StaticString = #filePath, line: UInt = #line) {
    if got == expected { return }
    let at = (0..<min(got.count, expected.count)).first { got[$0] != expected[$0] } ?? min(got.count, expected.count)
    let lo = max(0, at - 3)
    XCTFail("\(label): ids differ at \(at) (lengths \(got.count) vs expected \(expected.count)); "
            + "got \(Array(got[lo..<min(got.count, at + 4)])) expected \(Array(expected[lo..<min(expected.count, at + 4)]))",
            file: file, line: line)
}
