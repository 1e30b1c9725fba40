import Foundation
import XCTest

/// What a newcomer meets using the README and `--help` alone, through the built binary on real data:
/// 20 Fashion-MNIST images per split through EfficientNet-Lite0 (10 classes), 4 BBC News articles per
/// split through all-MiniLM-L6-v2 (5 classes).
final class NewcomerCLITests: XCTestCase {
    static var caches = FixtureCaches()
    static var dir: String { caches.dir }
    static var images: String { caches.images }
    static var texts: String { caches.texts }
    static var imageExtract: ThawBinary.Result? { caches.imageExtract }
    var thaw: ThawBinary { try! ThawBinary.find() }

    override class func setUp() {
        super.setUp()
        caches = FixtureCaches.extract("newcomer", imagesPerSplit: 20, textsPerSplit: 4)
    }

    override class func tearDown() {
        caches.remove()
        super.tearDown()
    }

    override func setUpWithError() throws { try Self.caches.require() }

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

    // MARK: - 2. sweep table: top rows, tie-break, small validation split, undertrained heads

    /// The run record a text-mode command saved (its last line: "run … → PATH").
    private func savedRecord(_ result: ThawBinary.Result, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let runLine = try XCTUnwrap(result.stdout.split(separator: "\n").last { $0.hasPrefix("run ") }, result.stdout, file: file, line: line)
        let path = try XCTUnwrap(runLine.components(separatedBy: " → ").last, file: file, line: line)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], file: file, line: line)
    }

    /// Table rows of `thaw sweep` text: (chosen, grid #, val top-1 text, marked *last).
    private func sweepRows(_ stdout: String) -> [(chosen: Bool, index: Int, top1: String, last: Bool)] {
        stdout.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard line.hasPrefix("* ") || line.hasPrefix("  "), let first = fields.first else { return nil }
            let chosen = first == "*"
            guard let index = Int(chosen ? fields[1] : first) else { return nil }
            return (chosen, index, String(fields.first { $0.hasSuffix("%") } ?? ""), fields.last == "*last")
        }
    }

    func testSweepPrintsTheTopRowsTheTieBreakAndFlagsUndertrainedHeadsAndATinyValidationSplit() throws {
        let c = Self.images
        let result = try thaw.ok(["sweep", "--cache", c, "--tap", "pool", "--epochs", "4"])   // 8 LRs × 3 WDs = 24 heads
        let out = result.stdout
        let rows = sweepRows(out)
        XCTAssertEqual(rows.count, 10, "the top 10 by default:\n\(out)")
        XCTAssertTrue(rows[0].chosen, "the chosen head ranks first:\n\(out)")
        XCTAssertEqual(rows.filter(\.chosen).count, 1)
        XCTAssertTrue(out.contains("… 14 more of 24 rows (--show 0 prints all"), out)
        XCTAssertTrue(out.contains("ranked by val top-1, ties by lower val loss, then lower grid #"), out)
        XCTAssertFalse(out.contains("best ep"), "no best-epoch column:\n\(out)")
        // 20 training images: a carved validation split of 10 is far too small to rank heads.
        XCTAssertTrue(out.contains("warning: only 10 validation samples"), out)

        let record = try savedRecord(result)
        let metrics = try XCTUnwrap(record["metrics"] as? [String: Any])
        let table = try XCTUnwrap(metrics["table"] as? [[String: Any]])
        XCTAssertEqual(table.count, 24)
        let best = try XCTUnwrap(metrics["best"] as? Double)
        XCTAssertEqual(rows[0].index, Int(try XCTUnwrap(table[Int(best)]["index"] as? Double)))
        // *last marks exactly the heads whose lowest validation loss came at the last epoch.
        let marked = table.filter { ($0["best_epoch"] as? Double) == 3 }.count
        for row in rows {
            let entry = try XCTUnwrap(table.first { ($0["index"] as? Double) == Double(row.index) })
            XCTAssertEqual(row.last, (entry["best_epoch"] as? Double) == 3, "row \(row.index): \(entry)")
        }
        if marked > 0 {
            XCTAssertTrue(out.contains("*last: \(marked) of 24 heads had their lowest val loss at the last epoch (4): possibly undertrained"), out)
        } else {
            XCTAssertFalse(out.contains("*last:"), out)
        }
        // The chosen head's curve is in the record: its best epoch is its lowest validation loss.
        let curve = try XCTUnwrap(record["epochs"] as? [[String: Any]]).map { try XCTUnwrap($0["val_loss"] as? Double) }
        let lowest = try XCTUnwrap(curve.indices.min { curve[$0] < curve[$1] })
        XCTAssertEqual(table[Int(best)]["best_epoch"] as? Double, Double(lowest))

        XCTAssertEqual(sweepRows(try thaw.ok(["sweep", "--cache", c, "--tap", "pool", "--epochs", "4", "--show", "0"]).stdout).count, 24)
        let three = try thaw.ok(["sweep", "--cache", c, "--tap", "pool", "--epochs", "4", "--show", "3"]).stdout
        XCTAssertEqual(sweepRows(three).map(\.index), rows.prefix(3).map(\.index), three)
    }

    // MARK: - 3. every option states its default; early stopping says what it kept

    /// Options of `thaw COMMAND --help` that take a value, are not required, and state no default.
    private func optionsWithoutDefault(_ command: String) throws -> [String] {
        let help = try thaw.ok([command, "--help"]).stdout
        let usageStart = try XCTUnwrap(help.range(of: "USAGE:"), help)
        let usage = String(help[usageStart.upperBound...].prefix { $0 != "\n" })
        // Required options are the ones the usage line shows outside brackets.
        let required = Set(usage.replacingOccurrences(of: "\\[[^\\]]*\\]", with: "", options: .regularExpression)
            .split(separator: " ").filter { $0.hasPrefix("--") }.map(String.init))
        let options = try XCTUnwrap(help.components(separatedBy: "OPTIONS:").last)
        // One entry per option: its line ("  --name <name>  help…") and the indented continuation lines.
        var entries: [String] = []
        for line in options.split(separator: "\n") {
            if line.hasPrefix("  -") { entries.append(String(line)) } else if !entries.isEmpty { entries[entries.count - 1] += " " + line }
        }
        return entries.compactMap { entry in
            let words = entry.split(separator: " ")
            guard let flag = words.first(where: { $0.hasPrefix("--") }).map({ String($0.trimmingCharacters(in: .punctuationCharacters.subtracting(["-"]))) }),
                  entry.contains(" <"), !required.contains(flag) else { return nil }
            return entry.lowercased().contains("default") ? nil : flag
        }
    }

    func testEveryOptionOfFitSweepFinetuneAndExtractStatesItsDefault() throws {
        for command in ["fit", "sweep", "finetune", "extract"] {
            XCTAssertEqual(try optionsWithoutDefault(command), [], "thaw \(command) --help: options that state no default")
        }
        let sweep = try thaw.ok(["sweep", "--help"]).stdout.replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: " +", with: " ", options: .regularExpression)
        XCTAssertTrue(sweep.contains("Learning rates (default: 0.0001,0.0003,0.001,0.003,0.01,0.03,0.1,0.3)"), sweep)
        XCTAssertTrue(sweep.contains("Epochs per head (default: 10"), sweep)
    }

    func testFitEarlyStopSaysWhichEpochsWeightsItKept() throws {
        // A learning rate of 1 on 20 images overfits at once: the validation loss rises after the first epoch.
        let out = try thaw.ok(["fit", "--cache", Self.images, "--tap", "pool", "--lr", "1", "--epochs", "30", "--early-stop", "2"]).stdout
        let losses: [Double] = out.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.compactMap { line in
            let f = line.split(separator: " ")
            return f.firstIndex(of: "val").flatMap { f[$0 + 1] == "loss" ? Double(f[$0 + 2]) : nil }
        }
        XCTAssertGreaterThan(losses.count, 1, out)
        XCTAssertLessThan(losses.count, 30, "early stopping should stop this run:\n\(out)")
        let best = try XCTUnwrap(losses.indices.min { losses[$0] < losses[$1] })
        XCTAssertTrue(out.contains("early stop  restored the weights of epoch \(best + 1), the lowest val loss; stopped after epoch \(losses.count)"), out)
        // The restored weights are the ones evaluated: the final validation loss is that epoch's.
        XCTAssertTrue(out.split(separator: "\n").contains { $0.hasPrefix("validation ") && $0.hasSuffix(String(format: "loss %.4f", losses[best])) },
                      out)
        let plain = try thaw.ok(["fit", "--cache", Self.images, "--tap", "pool", "--epochs", "2"]).stdout
        XCTAssertFalse(plain.contains("early stop"), "no early-stop line without --early-stop:\n\(plain)")
    }

    // MARK: - 4. counts: --limit is per split; samples and views apart

    func testLimitIsPerSplitAndCacheInfoCountsSamplesAndViewsApart() throws {
        let help = try thaw.ok(["extract", "--help"]).stdout.replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: " +", with: " ", options: .regularExpression)
        XCTAssertTrue(help.contains("At most N samples per split: train, val and test each, so --limit 100 gives up to 300 samples"), help)
        let extract = try XCTUnwrap(Self.imageExtract)
        XCTAssertTrue(extract.stdout.contains("--limit 20 is per split: train 20, val 0, test 20"), extract.stdout)

        let views = Self.dir + "/views"
        let out = try thaw.ok(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--limit", "3", "--views", "2",
                               "--tap", "pool", "--cache", views]).stdout
        XCTAssertTrue(out.contains("18/18 records") && out.contains("--limit 3 is per split: train 3, val 0, test 3"), out)
        let info = try thaw.ok(["cache", "info", views]).stdout
        XCTAssertTrue(info.contains("samples     train 3, val 0, test 3\n"), info)
        XCTAssertTrue(info.contains("views       3 per sample (the centre crop + 2 augmented views") && info.contains("→ 18 records"), info)
        let plain = try thaw.ok(["cache", "info", Self.images]).stdout
        XCTAssertTrue(plain.contains("samples     train 20, val 0, test 20\n"), plain)
        XCTAssertTrue(plain.contains("views       1 per sample (no augmented views) → 40 records"), plain)
    }

    // MARK: - 5. progress lines

    /// The last progress line an extract wrote to stderr (not a terminal here: plain lines).
    private func lastProgressLine(_ result: ThawBinary.Result) throws -> String {
        try XCTUnwrap(result.stderr.split(separator: "\n").last { $0.hasPrefix("extract ") }.map(String.init), result.stderr)
    }

    func testAFinishedExtractsLastProgressLineHasItsRateAndEveryRecordCommitted() throws {
        let line = try lastProgressLine(try XCTUnwrap(Self.imageExtract))
        XCTAssertTrue(line.hasPrefix("extract 40/40 100.0% ") && line.hasSuffix(" all 40 records committed"), line)
        // A run shorter than a second still ends on its rate and an ETA of zero.
        let short = try thaw.ok(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--limit", "1", "--tap", "pool",
                                 "--cache", Self.dir + "/one"])
        let last = try lastProgressLine(short)
        XCTAssertFalse(last.contains("--/s") || last.contains("--:--"), last)
        XCTAssertTrue(last.contains(" eta 00:00 ") && last.hasSuffix("all 2 records committed"), last)
        XCTAssertNotNil(last.range(of: #" [0-9]+\.[0-9]/s "#, options: .regularExpression), last)
    }

    func testFineTuneProgressLinesTimeTheirEpochFromItsStart() throws {
        // 18 training maps: one batch per epoch, so a bar made at its first finished batch would claim ~0 s.
        let r = try thaw.ok(["finetune", "--cache", Self.images, "--from", "blocks.11", "--epochs", "2"])
        // What trains, said in the summary: Lite0's blocks 12–15, its head conv and the classifier.
        let trained = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("trained ") }, r.stdout)
        XCTAssertTrue(trained.contains("4 blocks (_blocks.12 … _blocks.15) + head: ") && trained.hasSuffix(" parameters"), String(trained))
        let bars = r.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch ") && $0.contains("/s ") }
        let epochs = r.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
        XCTAssertEqual(bars.count, 2, r.stderr)
        XCTAssertEqual(epochs.count, 2, r.stdout)
        for (bar, epoch) in zip(bars, epochs) {
            let f = bar.split(separator: " ")
            let batches = try XCTUnwrap(Double(f[2].split(separator: "/")[0]), String(bar))
            let rate = try XCTUnwrap(f.first { $0.hasSuffix("/s") }.flatMap { Double($0.dropLast(2)) }, String(bar))
            let seconds = try XCTUnwrap(epoch.split(separator: " ").last.flatMap { Double($0.dropLast()) }, String(epoch))
            // The bar's time (batches / rate) is the epoch's training: not a few microseconds, and about the epoch
            // line's time (training + validation; the first bar also counts the set-up after loading).
            XCTAssertGreaterThan(batches / rate, 0.002, "\(bar)")
            XCTAssertLessThanOrEqual(batches / rate, 3 * seconds + 0.2, "\(bar) vs \(epoch)")
        }
    }

    // MARK: - 6. small things

    func testModelsPointsToInstallingTheWeightsWithoutAnOptionItLacks() throws {
        let out = try thaw.ok(["models"]).stdout
        XCTAssertFalse(out.contains("pass the weights"), "thaw models has no --weights option:\n\(out)")
        XCTAssertFalse(try thaw.ok(["models", "--help"]).stdout.contains("--weights"))
        for line in out.split(separator: "\n") where line.hasPrefix("  cut points:") {
            XCTAssertTrue(line.contains("(HWC)") || line.contains("(TC)") || line.contains("once they are installed"), String(line))
        }
    }

    /// The line of `out` that starts with `prefix`.
    private func line(_ out: String, _ prefix: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init), out, file: file, line: line)
    }

    func testTopFiveIsLeftOutForFiveClassesOrFewer() throws {
        let t = Self.texts   // BBC News: 5 topics, top-5 is always 100%
        for (args, prefix) in [(["fit", "--cache", t, "--tap", "pool"], "test "),
                               (["sweep", "--cache", t, "--tap", "pool", "--lr", "1e-2", "--weight-decay", "0", "--epochs", "2"], "best (*) on test"),
                               (["finetune", "--cache", t, "--from", "layer.4", "--data", "bbc-news", "--epochs", "1"], "test ")] {
            let summary = try line(try thaw.ok(args).stdout, prefix)
            XCTAssertTrue(summary.contains("top-1") && !summary.contains("top-5"), "\(args[0]): \(summary)")
        }
        let tenClasses = try line(try thaw.ok(["fit", "--cache", Self.images, "--tap", "pool", "--epochs", "2"]).stdout, "test ")
        XCTAssertTrue(tenClasses.contains("top-5"), tenClasses)
    }

    // MARK: - 7. --report: per-class table and confusion matrix in the terminal

    /// Checks the `--report` tables of `out` against the test confusion matrix in the run record it saved.
    private func assertReportMatchesRecord(_ result: ThawBinary.Result, samples: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let out = result.stdout
        let metrics = try XCTUnwrap(try savedRecord(result, file: file, line: line)["metrics"] as? [String: Any], file: file, line: line)
        let confusion = try XCTUnwrap(metrics["confusion"] as? [[Double]], file: file, line: line).map { $0.map { Int($0) } }
        let names = try XCTUnwrap(metrics["class_names"] as? [String], file: file, line: line)
        let k = confusion.count
        XCTAssertTrue(out.contains("report on the test split (\(samples) samples)"), out, file: file, line: line)
        let lines = out.split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("class ") && $0.hasSuffix("precision  recall     F1  support") }, out,
                                   file: file, line: line)
        for c in 0..<k {
            let row = lines[header + 1 + c]
            XCTAssertTrue(row.hasPrefix(names[c]), row, file: file, line: line)
            let numbers = row.dropFirst(names[c].count).split(separator: " ").compactMap { Double($0) }
            XCTAssertEqual(numbers.count, 4, row, file: file, line: line)
            let support = confusion[c].reduce(0, +), predicted = confusion.reduce(0) { $0 + $1[c] }
            let recall = support > 0 ? Double(confusion[c][c]) / Double(support) : 0
            let precision = predicted > 0 ? Double(confusion[c][c]) / Double(predicted) : 0
            XCTAssertEqual(numbers[0], precision, accuracy: 5e-5, "precision, \(row)", file: file, line: line)
            XCTAssertEqual(numbers[1], recall, accuracy: 5e-5, "recall, \(row)", file: file, line: line)
            XCTAssertEqual(Int(numbers[3]), support, "support, \(row)", file: file, line: line)
        }
        XCTAssertEqual(confusion.joined().reduce(0, +), samples, file: file, line: line)
        let matrix = try XCTUnwrap(lines.firstIndex(of: "confusion (rows: true, columns: predicted)"), out, file: file, line: line)
        for c in 0..<k {
            let printed = lines[matrix + 2 + c].split(separator: " ").suffix(k).compactMap { Int($0) }
            XCTAssertEqual(printed, confusion[c], "confusion row \(c): \(lines[matrix + 2 + c])", file: file, line: line)
        }
    }

    func testReportPrintsThePerClassTableAndConfusionMatrixOfTheRecordedTestSplit() throws {
        let c = Self.images
        try assertReportMatchesRecord(try thaw.ok(["fit", "--cache", c, "--tap", "pool", "--report"]), samples: 20)
        try assertReportMatchesRecord(try thaw.ok(["sweep", "--cache", c, "--tap", "pool", "--lr", "1e-2,1e-3", "--weight-decay", "0",
                                                   "--epochs", "3", "--report"]), samples: 20)
        try assertReportMatchesRecord(try thaw.ok(["finetune", "--cache", c, "--from", "blocks.11", "--epochs", "1", "--report"]), samples: 20)
        try assertReportMatchesRecord(try thaw.ok(["fit", "--cache", Self.texts, "--tap", "pool", "--report"]), samples: 4)
        let plain = try thaw.ok(["fit", "--cache", c, "--tap", "pool"]).stdout
        XCTAssertFalse(plain.contains("precision") || plain.contains("confusion"), "tables only with --report:\n\(plain)")
    }
}
