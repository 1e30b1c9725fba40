import Foundation
import XCTest
@testable import ThawRuns

final class ReportHTMLTests: XCTestCase {
    let runs = [SampleRuns.fit, SampleRuns.sweepRun, SampleRuns.finetune]

    /// Every `<svg class="chart chart-KIND"` in the page, in order.
    func chartKinds(_ html: String) -> [String] {
        html.components(separatedBy: "<svg class=\"chart chart-").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    func testEveryChartIsPresent() {
        let html = ReportHTML.render(runs: runs)
        let kinds = chartKinds(html)
        XCTAssertEqual(kinds.filter { $0 == "loss" }.count, 1)
        XCTAssertEqual(kinds.filter { $0 == "top1" }.count, 1)
        XCTAssertEqual(kinds.filter { $0 == "heatmap" }.count, 2, "one panel per head: linear, mlp-512")
        XCTAssertEqual(kinds.filter { $0 == "confusion" }.count, 3)
        XCTAssertEqual(kinds.filter { $0 == "bars" }.count, 1)
        for id in ["runs", "metrics", "curves", "sweep", "confusion", "per-class", "cost"] {
            XCTAssertTrue(html.contains("<section id=\"\(id)\">"), "section \(id) missing")
        }
        XCTAssertTrue(html.contains("SkylakeX"), "cost table names the BLAS kernel")
        XCTAssertTrue(html.contains("910 MB"), "cost table shows peak RSS")
    }

    func testPathsAreNotEmptyAndCurvesHaveEveryEpoch() throws {
        let html = ReportHTML.render(runs: runs)
        let ds = html.components(separatedBy: " d=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        XCTAssertEqual(ds.count, 3 * 2 + 3, "train+val loss per run, val top-1 per run")
        for d in ds {
            XCTAssertTrue(d.hasPrefix("M"), d)
            XCTAssertEqual(d.components(separatedBy: " L").count, 12, "12 epochs → 12 points: \(d)")
        }
        XCTAssertFalse(html.contains("nan"), "no NaN coordinates")
        XCTAssertFalse(html.contains("inf\""), "no infinite coordinates")
    }

    func testTextIsEscapedAndNothingExternal() {
        var odd = SampleRuns.fit
        odd.id = "fit-<i>&'x'"
        odd.cache = "cache/<script>alert(1)</script>"
        let html = ReportHTML.render(runs: [odd, SampleRuns.finetune], title: "A & B <report>")
        XCTAssertFalse(html.contains("<script"), "no scripts, and user text never becomes markup")
        XCTAssertFalse(html.contains("<b>Ankle"), "class names are escaped")
        XCTAssertTrue(html.contains("&lt;b&gt;Ankle &amp; &quot;boot&quot;&lt;/b&gt;"))
        XCTAssertTrue(html.contains("fit-&lt;i&gt;&amp;&#39;x&#39;"))
        XCTAssertTrue(html.contains("<title>A &amp; B &lt;report&gt;</title>"))
        XCTAssertFalse(html.contains("http:") || html.contains("https:") || html.contains("<link") || html.contains("<img"))
    }

    func testSweepOutlinesTheChosenCell() throws {
        let sweep = SweepTable(SampleRuns.sweepRun)
        let panels = sweep.panels()
        XCTAssertEqual(panels.map(\.title), ["linear · pooling avg · tap pool", "mlp-512 · pooling avg · tap pool"])
        XCTAssertEqual(panels[0].xs, [1e-3, 3e-3, 1e-2, 3e-2, 0.1])
        XCTAssertEqual(panels[0].ys, [0.0, 1e-4, 1e-3])
        let chosen = try XCTUnwrap(sweep.best)
        XCTAssertEqual(sweep.rows[chosen].head, "mlp-512")
        XCTAssertEqual(sweep.rows[chosen].lr, 3e-2)
        let mlp = try XCTUnwrap(SVGHeatMap.render(panels[1], lo: 0.8, hi: 0.87, chosen: chosen))
        XCTAssertTrue(mlp.contains("<title>chosen configuration</title>"))
        let linear = try XCTUnwrap(SVGHeatMap.render(panels[0], lo: 0.8, hi: 0.87, chosen: chosen))
        XCTAssertTrue(linear.contains("<title>best in this panel</title>"))
        XCTAssertTrue(linear.contains(">86.5<") || linear.contains(">85.9<"), "cell values are printed")
        XCTAssertTrue(linear.contains("val top-1"), "colour scale legend")
    }

    /// Tied validation accuracies: the chosen head (the record's `best`, a later row than the first
    /// maximum) gets the solid outline and no dashed "best" box marks another cell of equal value.
    func testTiedCellsOutlineTheChosenOneOnly() throws {
        var run = SampleRuns.sweepRun
        var table: [JSONValue] = []
        for (i, lr) in [1e-3, 1e-2, 1e-1].enumerated() {
            table.append(.object(["lr": .number(lr), "weight_decay": .number(0), "head": "linear", "pooling": "avg", "tap": "pool",
                                  "val_top1": .number(i == 0 ? 0.5 : 0.9), "val_loss": .number(0.3)]))
        }
        run.metrics["table"] = .array(table)
        run.metrics["best"] = .number(2)                  // ties with row 1; the trainer's tie-break chose row 2
        let sweep = SweepTable(run)
        let svg = try XCTUnwrap(SVGHeatMap.render(sweep.panels()[0], lo: 0.5, hi: 0.9, chosen: sweep.best))
        XCTAssertEqual(svg.components(separatedBy: "<title>chosen configuration</title>").count - 1, 1)
        XCTAssertFalse(svg.contains("best in this panel"), "a tie is not a better cell")
        // The outline sits on the third column (lr 0.1), not on the first maximum (lr 0.01).
        let chosenRect = try XCTUnwrap(svg.components(separatedBy: "<rect").first { $0.contains("chosen configuration") })
        XCTAssertTrue(chosenRect.contains("x=\"227.5\""), "column 3 starts at 86 + 2 · 70 px: \(chosenRect)")

        run.metrics["best"] = .number(0)                  // a chosen head below the panel's best: both boxes
        let both = try XCTUnwrap(SVGHeatMap.render(SweepTable(run).panels()[0], lo: 0.5, hi: 0.9, chosen: 0))
        XCTAssertTrue(both.contains("chosen configuration") && both.contains("best in this panel"))
    }

    func testMissingDataGivesNotesNotEmptyCharts() {
        let html = ReportHTML.render(runs: [SampleRuns.extractRun])
        XCTAssertTrue(chartKinds(html).isEmpty)
        XCTAssertTrue(html.contains("No per-epoch metrics"))
        XCTAssertTrue(html.contains("No confusion matrix"))
        XCTAssertTrue(html.contains("No per-class accuracy"))
        XCTAssertTrue(html.contains("18.2/s"))
    }

    func testConfusionIsRowNormalised() throws {
        let svg = try XCTUnwrap(SVGConfusion.render(title: "t", names: ["a", "b"], counts: [[3, 1], [0, 0]]))
        XCTAssertTrue(svg.contains("true a → predicted a: 75.0% (3)"))
        XCTAssertTrue(svg.contains("true b → predicted b: 0.0% (0)"), "an empty row stays zero, no NaN")
        XCTAssertNil(SVGConfusion.render(title: "t", names: ["a"], counts: [[0]]))
        XCTAssertNil(SVGConfusion.render(title: "t", names: ["a", "b"], counts: [[1, 2]]), "not square")
    }

    func testSVGWriterEscapesAndRoundsNumbers() {
        var svg = SVGWriter(width: 10, height: 10)
        svg.text("a<b & \"c\"", x: 1.005, y: -0.0001)
        svg.path([(0, 0), (1.5, 2.25)], stroke: "red")
        let s = svg.render(kind: "t", label: "<x>")
        XCTAssertTrue(s.contains(">a&lt;b &amp; &quot;c&quot;</text>"), s)
        XCTAssertTrue(s.contains("y=\"0\""), s)
        XCTAssertTrue(s.contains("d=\"M0 0 L1.5 2.25\""), s)
        XCTAssertTrue(s.contains("aria-label=\"&lt;x&gt;\""), s)
        XCTAssertEqual(SVGColor.sequential(0), "#440154")
        XCTAssertEqual(SVGColor.sequential(1), "#fde725")
        XCTAssertEqual(SVGScale(lo: 0, hi: 1, from: 0, to: 100).ticks(5), [0, 0.2, 0.4, 0.6, 0.8, 1])
    }
}

final class ReportManyClassesTests: XCTestCase {
    func testManyClassesDrawTheLargestDifferencesOnly() {
        var a = SampleRuns.fit, b = SampleRuns.finetune
        let k = 1000
        a.metrics["class_names"] = .array((0..<k).map { .string("n\($0)") })
        b.metrics["class_names"] = a.metrics["class_names"]
        a.metrics["per_class_accuracy"] = .array((0..<k).map { _ in 0.5 })
        b.metrics["per_class_accuracy"] = .array((0..<k).map { .number($0 == 777 ? 0.9 : 0.5) })
        a.metrics["confusion"] = .array((0..<k).map { r in .array((0..<k).map { .number($0 == r ? 1 : 0) }) })
        let html = ReportHTML.render(runs: [a, b])
        XCTAssertTrue(html.contains("Showing 40 of 1000 classes"))
        XCTAssertTrue(html.contains("finetune-20261118-120000-e5f6 · n777: 90.00%"), "the class that changed is drawn")
        XCTAssertTrue(html.contains("1000 classes are too many to draw a confusion matrix"))
    }
}
