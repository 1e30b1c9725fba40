import Foundation
import XCTest

/// `thaw sweep`'s training options (fit's --label-smoothing, --class-weights, --early-stop, --flip),
/// `--folds K`, and `--misclassified N` on fit, sweep and finetune, end to end on a small real
/// Fashion-MNIST cache (EfficientNet-Lite0 at 32 px: 60 train and 60 test images, taps pool and blocks.11).
final class SweepOptionsCLITests: XCTestCase {
    /// One cache for the class (extracted once); the folder is removed when the process ends.
    nonisolated(unsafe) static var folder: String?

    func cache() throws -> String {
        if let f = Self.folder { return f }
        let folder = NSTemporaryDirectory() + "thaw-cli-sweep-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let r = try ThawBinary.run(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--cache", "c",
                                    "--image-size", "32", "--tap", "pool", "--tap", "blocks.11", "--limit", "60"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        Self.folder = folder
        return folder
    }

    override class func tearDown() {
        if let f = folder { try? FileManager.default.removeItem(atPath: f) }
        super.tearDown()
    }

    func json(_ r: ThawBinary.Result, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], file: file, line: line)
    }

    func table(_ record: [String: Any]) -> [[String: Any]] {
        ((record["metrics"] as? [String: Any])?["table"] as? [[String: Any]]) ?? []
    }

    func testSweepTakesFitsTrainingOptionsPerHead() throws {
        let folder = try cache()
        let args = ["sweep", "--cache", "c", "--tap", "pool", "--lr", "1e-2,3", "--weight-decay", "0", "--epochs", "8",
                    "--early-stop", "1", "--class-weights", "balanced", "--label-smoothing", "0.1"]
        let text = try ThawBinary.run(args, in: folder)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("early stop (patience 1):") && text.stdout.contains("stopped, kept ep"), text.stdout)
        let record = try json(try ThawBinary.run(args + ["--json"], in: folder))
        let config = try XCTUnwrap(record["config"] as? [String: Any])
        XCTAssertEqual(config["early_stop"] as? Double, 1)
        XCTAssertEqual(config["class_weights"] as? String, "balanced")
        XCTAssertEqual(config["label_smoothing"] as? Double ?? .nan, 0.1, accuracy: 1e-6)
        let rows = table(record)
        XCTAssertEqual(rows.count, 2)
        // lr 3 blows the loss up after its first epoch: it stops early with that epoch's weights.
        XCTAssertEqual(rows[1]["stopped_early"] as? Bool, true, "\(rows[1])")
        XCTAssertEqual(rows[1]["weights_epoch"] as? Double, rows[1]["best_epoch"] as? Double)
        XCTAssertLessThan(rows[1]["weights_epoch"] as? Double ?? 99, 7)

        let flipped = try json(try ThawBinary.run(["sweep", "--cache", "c", "--tap", "blocks.11", "--flip", "--lr", "1e-2",
                                                   "--weight-decay", "0", "--epochs", "2", "--json"], in: folder))
        XCTAssertEqual((flipped["config"] as? [String: Any])?["flip"] as? Bool, true)

        let help = try ThawBinary.run(["sweep", "--help"], in: folder)
        for option in ["--label-smoothing", "--class-weights", "--early-stop", "--flip", "--folds", "--misclassified"] {
            XCTAssertTrue(help.stdout.contains(option), "sweep --help lacks \(option)")
        }
        let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")   // help wraps at 80 columns
        XCTAssertTrue(flat.contains("every head. (default: 0.0)") && flat.contains("(default: 0, none)")
                      && flat.contains("(default: none, validate on the validation split)"), help.stdout)
    }

    func testShardsWithTrainingOptionsStillCombine() throws {
        let folder = try cache()
        try FileManager.default.createDirectory(atPath: folder + "/shards", withIntermediateDirectories: true)
        for i in 0..<2 {
            let r = try ThawBinary.run(["sweep", "--cache", "c", "--tap", "pool", "--lr", "1e-3,1e-2,0.1", "--weight-decay", "0",
                                        "--epochs", "4", "--early-stop", "1", "--label-smoothing", "0.05", "--shard", "\(i)/2", "--json"],
                                       in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            try r.stdout.write(toFile: folder + "/shards/\(i).json", atomically: true, encoding: .utf8)
        }
        let merged = try json(try ThawBinary.run(["sweep", "--combine-dir", "shards", "--json"], in: folder))
        XCTAssertEqual(table(merged).count, 3)
        XCTAssertEqual((merged["config"] as? [String: Any])?["early_stop"] as? Double, 1)
    }

    func testMisclassifiedListsTheMostConfidentMistakes() throws {
        let folder = try cache()
        let fitText = try ThawBinary.run(["fit", "--cache", "c", "--tap", "pool", "--epochs", "3", "--misclassified", "3"], in: folder)
        XCTAssertEqual(fitText.status, 0, fitText.stderr)
        XCTAssertTrue(fitText.stdout.contains("most confident test mistakes (3):") && fitText.stdout.contains("t10k-images-idx3-ubyte.gz#"),
                      fitText.stdout)
        for args in [["fit", "--cache", "c", "--tap", "pool", "--epochs", "3", "--misclassified", "4", "--json"],
                     ["sweep", "--cache", "c", "--tap", "pool", "--lr", "1e-3,1e-2", "--weight-decay", "0", "--epochs", "3",
                      "--misclassified", "4", "--json"]] {
            let metrics = try XCTUnwrap(try json(try ThawBinary.run(args, in: folder))["metrics"] as? [String: Any])
            let wrong = try XCTUnwrap(metrics["misclassified"] as? [[String: Any]], "\(args[0])")
            let predictions = try XCTUnwrap(metrics["test_predictions"] as? [Double])
            XCTAssertEqual(wrong.count, 4, "\(args[0]): a 3-epoch head on 60 Fashion-MNIST images makes more than 4 mistakes")
            let confidences = wrong.compactMap { $0["confidence"] as? Double }
            XCTAssertEqual(confidences, confidences.sorted(by: >), "\(args[0]): most confident first")
            for m in wrong {
                let index = try XCTUnwrap(m["index"] as? Double), predicted = try XCTUnwrap(m["predicted"] as? Double)
                XCTAssertNotEqual(m["label"] as? Double, predicted, "\(args[0]): \(m) is no mistake")
                XCTAssertTrue((m["id"] as? String ?? "").hasPrefix("t10k-images-idx3-ubyte.gz#"), "\(m)")
                // Test samples follow the 60 training samples in the cache; the run's own predictions agree.
                XCTAssertEqual(predictions[Int(index) - 60], predicted, "\(args[0]): \(m)")
                XCTAssertTrue((0.1...1).contains(try XCTUnwrap(m["confidence"] as? Double)), "\(m)")
            }
        }
        // Fine-tuning from the cached maps, and from raw images (blocks.13 lies above the cached blocks.11).
        for from in ["blocks.11", "blocks.13"] {
            let finetune = try ThawBinary.run(["finetune", "--cache", "c", "--from", from, "--epochs", "1", "--batch", "16",
                                               "--misclassified", "2"], in: folder)
            XCTAssertEqual(finetune.status, 0, finetune.stderr)
            XCTAssertTrue(finetune.stdout.contains("most confident test mistakes (2):")
                          && finetune.stdout.contains("t10k-images-idx3-ubyte.gz#"), "--from \(from):\n\(finetune.stdout)")
        }
    }

    func testFoldsCrossValidateAndRefitTheBest() throws {
        let folder = try cache()
        let args = ["sweep", "--cache", "c", "--tap", "pool", "--lr", "1e-3,1e-2", "--weight-decay", "0", "--epochs", "4", "--folds", "3"]
        let text = try ThawBinary.run(args, in: folder)
        XCTAssertEqual(text.status, 0, text.stderr)
        for fragment in ["fold 3/3", "cv top-1 (mean ± sd)", "% ± ", "ranked by mean val top-1 over 3 stratified folds",
                         "refitted on all 60 training samples for 4 epochs", "best (*), refitted, on test: top-1"] {
            XCTAssertTrue(text.stdout.contains(fragment), "no \"\(fragment)\" in:\n\(text.stdout)")
        }
        XCTAssertFalse(text.stdout.contains("carved"), "--folds carves no validation split")
        let record = try json(try ThawBinary.run(args + ["--json"], in: folder))
        let config = try XCTUnwrap(record["config"] as? [String: Any])
        XCTAssertEqual(config["folds"] as? Double, 3)
        XCTAssertEqual((config["fold_rows"] as? [Double])?.reduce(0, +), 60)
        for row in table(record) {
            let folds = try XCTUnwrap(row["fold_val_top1"] as? [Double])
            XCTAssertEqual(folds.count, 3)
            XCTAssertEqual(row["val_top1"] as? Double ?? .nan, folds.reduce(0, +) / 3, accuracy: 1e-12)
        }
        XCTAssertNotNil((record["metrics"] as? [String: Any])?["test_top1"] as? Double)
    }

    func testFoldsRefuseWhatMakesNoSense() throws {
        let folder = try cache()
        let sweep = ["sweep", "--cache", folder + "/c", "--tap", "pool", "--lr", "1e-2", "--weight-decay", "0"]
        ThawBinary.expectRefusal(sweep + ["--folds", "3", "--shard", "0/2"], ["--folds", "drop --shard"])
        ThawBinary.expectRefusal(sweep + ["--folds", "1"], ["--folds must be ≥ 2"])
        ThawBinary.expectRefusal(["sweep", "--combine-dir", folder, "--folds", "3"], ["--folds", "--combine"])
        ThawBinary.expectRefusal(sweep + ["--folds", "30"], ["--folds 30 needs at least 30 training samples of every class", "Fix: use fewer folds"])
        ThawBinary.expectRefusal(["sweep", "--cache", folder + "/c", "--tap", "pool", "--c", "1", "--early-stop", "2"],
                                 ["--early-stop apply to gradient-descent heads", "Fix: drop --early-stop"])
    }
}
