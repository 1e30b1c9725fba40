import Foundation
import XCTest

extension XCTestCase {
    /// A fresh folder (removed after the test) holding cache `c`: 20 Fashion-MNIST images per split through
    /// EfficientNet-Lite0 at 32 px, tap `pool`. A failed extraction fails the test.
    func smallPoolCacheFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "thaw-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        let extract = try ThawBinary.run(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--cache", "c",
                                          "--image-size", "32", "--tap", "pool", "--limit", "20"], in: folder)
        guard extract.status == 0 else {
            throw NSError(domain: "thaw-cli-tests", code: 1, userInfo: [NSLocalizedDescriptionKey: "thaw extract failed: \(extract.stderr)"])
        }
        return folder
    }
}
