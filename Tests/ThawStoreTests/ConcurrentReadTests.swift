import Foundation
import XCTest
@testable import ThawStore

final class ConcurrentReadTests: XCTestCase {
    /// A reader iterates (and re-iterates) while another thread writes and the map grows.
    func testReaderIteratesWhileWriterAppends() throws {
        let path = temporaryCachePath()
        let m = testManifest(count: 400)
        let writer = try CacheWriter.open(at: path, manifest: m, batchSize: 10, initialMapSize: 64 << 10)
        let reader = try CacheReader(path: path)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var writeError: Error?
        Thread {
            do {
                for i in 0..<400 { try writer.append(testSample(i)) }
                try writer.finish()
            } catch { writeError = error }
            done.signal()
        }.start()

        var passes = 0, lastCount = 0
        var finished = false
        while !finished {
            finished = done.wait(timeout: .now()) == .success
            var expected = 0
            try reader.forEach(chunk: 16) { s in
                XCTAssertEqual(s.key.index, expected, "in order, no gaps")
                XCTAssertEqual(s.taps[2], testSample(s.key.index).taps[2])
                expected += 1
                return true
            }
            XCTAssertGreaterThanOrEqual(expected, lastCount, "a later pass never sees fewer records")
            lastCount = expected
            passes += 1
        }
        XCTAssertNil(writeError)
        XCTAssertEqual(lastCount, 400)
        XCTAssertGreaterThan(passes, 1)
        XCTAssertGreaterThan(writer.environment.mapSize, 64 << 10)
        XCTAssertTrue(try reader.verify().ok)
    }
}
