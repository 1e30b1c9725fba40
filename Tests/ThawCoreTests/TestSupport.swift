import Foundation
import XCTest

struct MissingFixture: Error, CustomStringConvertible {
    var name: String
    var description: String { "fixture \(name) missing. Fix: run python3 scripts/golden/half_floats.py" }
}

/// Raw bytes of a test fixture; a missing one fails the test.
func fixture(_ name: String) throws -> Data {
    guard let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil) else {
        throw MissingFixture(name: name)
    }
    return try Data(contentsOf: url)
}

/// A fresh directory under the temporary folder, removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let dir = NSTemporaryDirectory() + "thaw-core-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}
