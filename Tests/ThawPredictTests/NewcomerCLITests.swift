import Foundation
import XCTest

/// What a newcomer meets using the README and `--help` alone, through the built binary on real data:
/// 20 Fashion-MNIST images per split through EfficientNet-Lite0 (10 classes), 4 BBC News articles per
/// split through all-MiniLM-L6-v2 (5 classes).
final class NewcomerCLITests: XCTestCase {
    static var dir = ""
    static var images = "", texts = ""
    static var imageExtract: ThawBinary.Result?
    var thaw: ThawBinary { try! ThawBinary.find() }

    override class func setUp() {
        super.setUp()
        dir = NSTemporaryDirectory() + "thaw-newcomer-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        images = dir + "/fm"
        texts = dir + "/bbc"
        guard let thaw = try? ThawBinary.find() else { return }
        imageExtract = try? thaw.run(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--limit", "20", "--cache", images])
        _ = try? thaw.run(["extract", "--model", "all-minilm-l6-v2", "--data", "bbc-news", "--limit", "4", "--cache", texts])
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    override func setUpWithError() throws {
        _ = try ThawBinary.find()
        for cache in [Self.images, Self.texts] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: cache + "/data.mdb"),
                          "the fixture cache \(cache) was not extracted: are the EfficientNet-Lite0 / MiniLM weights and the data sets installed (scripts/deps.sh)?")
        }
    }

    private func id(_ result: ThawBinary.Result, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try XCTUnwrap(result.json["id"] as? String, "no run id in:\n\(result.stdout)", file: file, line: line)
    }

    // MARK: - 1. compare by kind, run names, short labels

    func testCompareTakesKindsAsTheirLatestRunAndShowsNamesOrShortLabels() throws {
        let c = Self.images
        let first = try id(thaw.ok(["sweep", "--cache", c, "--tap", "pool", "--lr", "1e-2,3e-3", "--epochs", "2", "--json"]))
        let named = try thaw.ok(["sweep", "--cache", c, "--tap", "pool", "--lr", "1e-2", "--epochs", "2", "--name", "one-lr", "--json"])
        let second = try id(named)
        XCTAssertEqual(named.json["name"] as? String, "one-lr", "the name is stored in the run record")
        let fit = try id(thaw.ok(["fit", "--cache", c, "--tap", "pool", "--epochs", "2", "--json"]))

        // Two sweeps exist: `sweep` is the latest one, as the README's `thaw compare --cache C sweep fit`.
        let byKind = try thaw.ok(["compare", "--cache", c, "sweep", "fit", "--json"]).json
        XCTAssertEqual(byKind["runIDs"] as? [String], [second, fit])
        XCTAssertEqual(byKind["runLabels"] as? [String], ["one-lr", "fit (linear, pool)"])

        // Columns: the name, else a short label; never the long ids.
        let text = try thaw.ok(["compare", "--cache", c, "one-lr", first]).stdout
        let header = try XCTUnwrap(text.split(separator: "\n").first.map(String.init))
        XCTAssertTrue(header.contains("one-lr") && header.contains("sweep (linear, pool)"), header)
        XCTAssertFalse(header.contains(first), header)

        let runs = try thaw.ok(["runs", "--cache", c]).stdout.split(separator: "\n")
        let namedRow = try XCTUnwrap(runs.first { $0.hasPrefix(second) }, "\(runs)")
        XCTAssertTrue(namedRow.contains("one-lr"), String(namedRow))
        let fitRow = try XCTUnwrap(runs.first { $0.hasPrefix(fit) }, "\(runs)")
        XCTAssertTrue(fitRow.contains("fit (linear, pool)"), String(fitRow))

        let help = try thaw.ok(["compare", "--help"]).stdout
        XCTAssertTrue(help.contains("latest run of that kind"), help)
        for command in ["fit", "sweep", "finetune"] {
            XCTAssertTrue(try thaw.ok([command, "--help"]).stdout.contains("--name <name>"), "\(command) --help has no --name")
        }
        let refused = try thaw.run(["fit", "--cache", c, "--tap", "pool", "--name", "sweep"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("kind name"), refused.stderr)
    }
}
