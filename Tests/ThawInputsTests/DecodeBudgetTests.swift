import Foundation
import ThawCore
@testable import ThawInputs
import XCTest

/// The byte bound on full-size decoded images that decode workers hold at once.
final class DecodeBudgetTests: XCTestCase {
    /// An image over the whole budget is admitted when nothing else is held; the next waits until it is released.
    func testOneImageOverTheBudgetDecodesAloneAndOthersWait() throws {
        let budget = DecodeBudget(bytes: 100)
        budget.acquire(300)
        let admitted = NSCondition()
        var second = false
        let thread = Thread {
            budget.acquire(10)
            admitted.lock(); second = true; admitted.broadcast(); admitted.unlock()
        }
        thread.start()
        Thread.sleep(forTimeInterval: 0.2)
        admitted.lock(); XCTAssertFalse(second, "admitted beside an image over the budget"); admitted.unlock()
        budget.release(300)
        admitted.lock()
        while !second { XCTAssertTrue(admitted.wait(until: Date().addingTimeInterval(10)), "never admitted after the release") }
        admitted.unlock()
        XCTAssertEqual(budget.heldBytes, 10)
        budget.acquire(90)                      // fits beside the 10
        XCTAssertEqual(budget.heldBytes, 100)
        budget.release(90); budget.release(10)
        XCTAssertEqual(budget.peakHeld, 300)
        XCTAssertEqual(budget.heldBytes, 0)
    }

    /// A folder of JPEGs and PNGs (768 × 576 up to 512 × 512) decoded by two workers under budgets from one
    /// byte to unbounded: the same batches byte for byte, at most one image over the budget held at once,
    /// and every byte given back (failures included).
    func testPipelineUnderABudgetGivesTheSameBatchesAndBoundsDecodedBytes() throws {
        let folder = try Fixtures.temporaryFolder(self)
        let names = ["dog.jpg", "eagle.jpg", "horses.jpg", "coffee.png", "chelsea.png"]
        for c in 0..<2 {
            try FileManager.default.createDirectory(atPath: folder + "/set/c\(c)", withIntermediateDirectories: true)
            for (k, name) in names.enumerated() {
                let ext = (name as NSString).pathExtension
                try FileManager.default.copyItem(atPath: try Fixtures.photo(name), toPath: folder + "/set/c\(c)/\(k).\(ext)")
            }
        }
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: folder + "/set/c0/9.jpg"))
        let source = try ImageFolderSource(root: folder + "/set")
        var largest = 0
        for s in source.samples {
            if let image = try? source.loadImage(s, decoder: ImageDecoder()) {
                largest = max(largest, DecodeBudget.imageBytes(width: image.width, height: image.height))
            }
        }
        XCTAssertEqual(largest, 768 * 576 * 3)
        func run(_ bytes: Int?) throws -> ([String], [Float], DecodeBudget?) {
            let p = DecodePipeline(source: source, preprocessing: .imagenet, batchSize: 3, depth: 2, workers: 2, onError: .skip,
                                   decodeBytes: bytes)
            var ids: [String] = [], pixels: [Float] = []
            while let b = try p.next() { ids += b.samples.map(\.id); pixels += b.pixels }
            return (ids, pixels, p.budget)
        }
        let (ids, pixels, none) = try run(nil)
        XCTAssertNil(none)
        XCTAssertEqual(ids.count, 10)
        for bytes in [1, largest, 2 * largest, DecodeBudget.defaultBytes] {
            let (i, p, budget) = try run(bytes)
            XCTAssertEqual(i, ids, "budget \(bytes)")
            XCTAssertEqual(p, pixels, "budget \(bytes)")
            let b = try XCTUnwrap(budget)
            XCTAssertLessThanOrEqual(b.peakHeld, max(bytes, largest), "budget \(bytes)")
            XCTAssertGreaterThan(b.peakHeld, 0)
            XCTAssertEqual(b.heldBytes, 0, "budget \(bytes): bytes not given back")
        }
    }

    /// A JPEG whose pixels fail to decode after its header was read gives its bytes back.
    func testACorruptJPEGGivesItsBytesBack() throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: try Fixtures.photo("dog.jpg")))
        bytes = bytes.prefix(bytes.count / 3)   // header intact, scan truncated
        let budget = DecodeBudget(bytes: 1 << 20)
        let decoder = ImageDecoder(lease: DecodeLease(budget))
        XCTAssertThrowsError(try decoder.decode(bytes, file: "dog-truncated.jpg"))
        XCTAssertEqual(budget.heldBytes, 0)
        XCTAssertEqual(budget.peakHeld, 768 * 576 * 3)
    }
}
