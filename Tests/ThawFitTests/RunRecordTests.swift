import Foundation
import XCTest
import ThawFit
import ThawRuns

/// Records follow the shared conventions (see docs of `thaw runs`): snake_case keys, JSON numbers,
/// accuracies as fractions, per-epoch objects, machine facts.
final class RunRecordTests: XCTestCase {
    func testFitRecordFollowsConventions() throws {
        let cache = try makeCache(SyntheticCache(count: 200))
        let runs = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-runs-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: runs) }
        var q = FitRequest(cache: cache, tap: "pool")
        q.epochs = 3
        let r = try FitRun.run(q).record
        XCTAssertEqual(r.kind, .fit)
        XCTAssertTrue(r.id.hasPrefix("fit-"))
        for k in ["tap", "pooling", "head", "optimizer", "lr", "weight_decay", "epochs", "batch", "seed", "label_smoothing", "views"] {
            XCTAssertNotNil(r.config[k], "config.\(k)")
        }
        XCTAssertEqual(r.config["head"], .string("linear"))
        XCTAssertEqual(r.config["pooling"], .string("none"))
        for k in ["test_top1", "test_top5", "test_mean_per_class", "test_macro_f1", "test_ece", "val_top1", "train_seconds"] {
            let v = try XCTUnwrap(r.metrics[k]?.number, "metrics.\(k)")
            if k != "train_seconds" { XCTAssertTrue((0...1).contains(v), "\(k) = \(v)") }
        }
        guard case .array(let names)? = r.metrics["class_names"], case .array(let pca)? = r.metrics["per_class_accuracy"],
              case .array(let confusion)? = r.metrics["confusion"] else { return XCTFail("class arrays missing") }
        XCTAssertEqual(names.count, 4); XCTAssertEqual(pca.count, 4); XCTAssertEqual(confusion.count, 4)
        XCTAssertEqual(r.epochs.count, 3)
        for e in r.epochs { XCTAssertEqual(Set(e.keys), ["epoch", "train_loss", "val_loss", "val_top1", "lr", "seconds"]) }
        XCTAssertNotNil(r.samplesPerSecond)
        XCTAssertNotNil(r.peakRSSBytes)
        XCTAssertNotNil(r.blasKernel)
        XCTAssertTrue(r.cacheFingerprint!.hasPrefix("crc32c:"))
        XCTAssertGreaterThan(r.wallSeconds, 0)
        let registry = RunRegistry(folder: runs)
        try registry.save(r)
        let back = try registry.find(r.id)   // dates round-trip at whole seconds (ISO 8601)
        XCTAssertEqual(back.config, r.config)
        XCTAssertEqual(back.metrics, r.metrics)
        XCTAssertEqual(back.epochs, r.epochs)
    }
}
