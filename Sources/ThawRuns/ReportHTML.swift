import Foundation

/// `thaw report`: one self-contained HTML page (inline CSS and SVG, no scripts, no network)
/// with learning curves, sweep heat maps, confusion matrices, per-class bars and a cost table.
public enum ReportHTML {
    /// The page for `runs` (the first is the baseline for per-class differences).
    /// `audits` (records of `thaw cache audit`) get a precision section of their own.
    public static func render(runs: [RunRecord], audits: [RunRecord] = [], title: String = "Thaw report") -> String {
        precondition(!runs.isEmpty, "a report needs at least one run")
        var sections: [String] = []
        sections.append(section("Runs", id: "runs", runsTable(runs)))
        let comparison = RunComparison(runs: runs)
        sections.append(section("Metrics", id: "metrics", table(comparison.summaryTable())
            + notes(comparison.notes)))
        sections.append(section("Learning curves", id: "curves", curves(runs)))
        let sweeps = runs.filter { $0.kind == .sweep || $0.metrics["table"] != nil }
        if !sweeps.isEmpty { sections.append(section("Sweep", id: "sweep", sweepMaps(sweeps))) }
        sections.append(section("Confusion matrices", id: "confusion", confusions(runs)))
        sections.append(section("Per-class accuracy", id: "per-class", bars(runs, comparison)))
        sections.append(section("Cost", id: "cost", table(costTable(runs))))
        if !audits.isEmpty { sections.append(section("Storage precision audit", id: "audit", audits.map(audit).joined(separator: "\n"))) }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escapeXML(title))</title>
            <style>\(css)</style>
            </head>
            <body>
            <header><h1>\(escapeXML(title))</h1><p>\(runs.count) run\(runs.count == 1 ? "" : "s"): \(escapeXML(runs.map(\.id).joined(separator: ", ")))</p></header>
            \(sections.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    /// One audit: which cache and samples, the per-tap table, its notes.
    static func audit(_ run: RunRecord) -> String {
        let samples = run.config["samples"]?.number.map { String(Int($0)) } ?? "?"
        return "<p>\(escapeXML(run.cache ?? "cache")): \(samples) samples re-extracted at float32 (\(escapeXML(run.id))); "
            + "Δ top-1 is the probe trained on stored values minus the probe trained on float32 values.</p>"
            + table(AuditTable.table(run)) + notes(AuditTable.notes(run))
    }

    static func section(_ heading: String, id: String, _ body: String) -> String {
        "<section id=\"\(id)\"><h2>\(escapeXML(heading))</h2>\n\(body)\n</section>"
    }

    static func notes(_ lines: [String]) -> String {
        lines.isEmpty ? "" : "<ul class=\"notes\">" + lines.map { "<li>\(escapeXML($0))</li>" }.joined() + "</ul>"
    }

    static func missing(_ what: String) -> String { "<p class=\"missing\">\(escapeXML(what))</p>" }

    static func figure(_ svg: String?, else note: String) -> String {
        svg.map { "<figure>\($0)</figure>" } ?? missing(note)
    }

    /// A `TextTable` as an HTML table; tinted cells get the classes `good` / `bad`.
    /// `swatches`: one colour per row, shown as a leading square (the run's chart colour).
    static func table(_ t: TextTable, swatches: [String]? = nil) -> String {
        var out = "<table><thead><tr>" + (swatches == nil ? "" : "<th></th>")
        for (i, h) in t.header.enumerated() { out += "<th class=\"\(t.align[i] == .right ? "num" : "")\">\(escapeXML(h))</th>" }
        out += "</tr></thead><tbody>"
        for (r, row) in t.rows.enumerated() {
            out += "<tr>"
            if let swatches { out += "<td class=\"swatch\" style=\"color:\(swatches[r])\">■</td>" }
            for (i, cell) in row.enumerated() {
                var cls = t.align[i] == .right ? ["num"] : []
                if cell.tint == .good { cls.append("good") } else if cell.tint == .bad { cls.append("bad") }
                out += "<td class=\"\(cls.joined(separator: " "))\">\(escapeXML(cell.text))</td>"
            }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }

    static func runsTable(_ runs: [RunRecord]) -> String {
        let listing = RunListing(runs: runs).table()
        var t = TextTable(header: ["id", "run", "started (UTC)", "key metric", "config", "cache"],
                          align: [.left, .left, .left, .right, .left, .left])
        for (run, row) in zip(runs, listing.rows) {
            t.append([row[0], row[1], row[2], row[3], row[5], TextTable.Cell(run.cache ?? "—")])
        }
        return table(t, swatches: runs.indices.map(SVGColor.run))
    }

    static func curves(_ runs: [RunRecord]) -> String {
        func series(_ key: String, dashed: Bool, suffix: String) -> [SVGLineChart.Series] {
            runs.enumerated().compactMap { i, run in
                let points: [(x: Double, y: Double)] = run.epochs.enumerated().compactMap { e, epoch in
                    guard let y = epoch[key]?.number, y.isFinite else { return nil }
                    return (epoch["epoch"]?.number ?? Double(e + 1), y)
                }
                return points.isEmpty ? nil
                    : SVGLineChart.Series(name: "\(run.id) \(suffix)", colour: SVGColor.run(i), dashed: dashed, points: points)
            }
        }
        let loss = SVGLineChart(title: "Loss per epoch", xLabel: "epoch", yLabel: "loss",
                                series: series("train_loss", dashed: false, suffix: "train") + series("val_loss", dashed: true, suffix: "val"))
        let top1 = SVGLineChart(title: "Validation top-1 per epoch", xLabel: "epoch", yLabel: "val top-1", percent: true,
                                series: series("val_top1", dashed: false, suffix: "val top-1"))
        let (l, t) = (loss.render(kind: "loss"), top1.render(kind: "top1"))
        if l == nil && t == nil { return missing("No per-epoch metrics in these runs (extract runs and L-BFGS fits have none).") }
        return "<div class=\"row\">" + figure(l, else: "No loss per epoch.") + figure(t, else: "No val top-1 per epoch.") + "</div>"
    }

    static func sweepMaps(_ sweeps: [RunRecord]) -> String {
        sweeps.map { run in
            let sweep = SweepTable(run)
            let panels = sweep.panels()
            let values = sweep.rows.compactMap(\.valTop1)
            guard let lo = values.min(), let hi = values.max(), !panels.isEmpty else {
                return missing("\(run.id): no sweep table (`table` metric) in the record.")
            }
            var head = "<h3>\(escapeXML(run.id))</h3>"
            if let b = sweep.best {
                let r = sweep.rows[b]
                var parts = [r.head, r.pooling].filter { !$0.isEmpty }
                if let lr = r.lr { parts.append("lr " + SVGHeatMap.number(lr)) }
                if let c = r.c { parts.append("C " + SVGHeatMap.number(c)) }
                if let wd = r.weightDecay { parts.append("wd " + SVGHeatMap.number(wd)) }
                let top1 = r.valTop1.map { String(format: "%.2f%%", 100 * $0) } ?? "—"
                head += "<p>Chosen: " + escapeXML(parts.joined(separator: ", ")) + ", val top-1 " + top1 + " (outlined in red).</p>"
            }
            let maps = panels.map { figure(SVGHeatMap.render($0, lo: lo, hi: hi, chosen: sweep.best), else: "\($0.title): no values.") }
            return head + "<div class=\"row\">" + maps.joined() + "</div>"
        }.joined(separator: "\n")
    }

    static func confusions(_ runs: [RunRecord]) -> String {
        let maps = runs.compactMap { run -> String? in
            guard let m = run.matrix("confusion") else { return nil }
            if m.count > 2 * maxDrawnClasses {
                return missing("\(run.id): \(m.count) classes are too many to draw a confusion matrix; the numbers are in its record.")
            }
            return figure(SVGConfusion.render(title: run.id, names: run.classNames(count: m.count), counts: m),
                          else: "\(run.id): the confusion matrix is empty or not square.")
        }
        return maps.isEmpty ? missing("No confusion matrix (`confusion`) in these runs.") : "<div class=\"row\">" + maps.joined() + "</div>"
    }

    /// Most classes a bar chart or confusion matrix draws; beyond it the report picks or skips.
    static let maxDrawnClasses = 40

    static func bars(_ runs: [RunRecord], _ comparison: RunComparison) -> String {
        var rows = Array(comparison.perClass.indices)
        var note = ""
        if rows.count > maxDrawnClasses {
            // Many classes: the largest differences against the first run, or the weakest classes of a single run.
            func score(_ r: Int) -> Double {
                let row = comparison.perClass[r]
                if runs.count > 1 { return row.deltas.compactMap { $0.map(abs) }.max() ?? 0 }
                return 1 - (row.values[0] ?? 1)
            }
            rows = Array(rows.sorted { score($0) > score($1) }.prefix(maxDrawnClasses)).sorted()
            note = "<p class=\"missing\">Showing \(maxDrawnClasses) of \(comparison.perClass.count) classes: "
                + (runs.count > 1 ? "the largest differences against the first run." : "the lowest accuracies.") + "</p>"
        }
        let names = rows.map { comparison.perClass[$0].label }
        let series = runs.enumerated().map { i, run in
            SVGBars.Run(name: run.id, colour: SVGColor.run(i), values: rows.map { comparison.perClass[$0].values[i] })
        }
        let title = runs.count > 1 ? "Per-class accuracy: \(runs[0].id) vs others" : "Per-class accuracy"
        return note + figure(SVGBars.render(title: title, classes: names, runs: series),
                             else: "No per-class accuracy (`per_class_accuracy`) in these runs.")
    }

    static func costTable(_ runs: [RunRecord]) -> TextTable {
        let keys = ["wallSeconds", "train_seconds", "samplesPerSecond", "peakRSSBytes"]
        let metrics = keys.map { k in CompareMetric.summary.first { $0.key == k }! }
        var t = TextTable(header: ["run"] + metrics.map(\.label) + ["BLAS kernel", "cache fingerprint", "thaw"],
                          align: [.left] + metrics.map { _ in .right } + [.left, .left, .left])
        for run in runs {
            t.append([TextTable.Cell(run.id)] + metrics.map { TextTable.Cell($0.format($0.value(in: run))) }
                     + [TextTable.Cell(run.blasKernel ?? "—"), TextTable.Cell(run.cacheFingerprint.map { String($0.prefix(12)) } ?? "—"),
                        TextTable.Cell(run.thawVersion)])
        }
        return t
    }

    static let css = """
        body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#222;margin:0 auto;max-width:1160px;padding:16px 24px;background:#fff}
        header{border-bottom:2px solid #4e79a7;margin-bottom:8px}h1{font-size:22px;margin:8px 0 2px}header p{color:#555;margin:0 0 10px;word-break:break-all}
        h2{font-size:17px;margin:26px 0 8px;color:#2b4a6f}h3{font-size:14px;margin:12px 0 4px}
        table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}th,td{padding:3px 10px;border-bottom:1px solid #e3e3e3;text-align:left;white-space:nowrap}
        th{background:#f3f5f8;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        td.good{color:#2a7d2a}td.bad{color:#c0392b}td.swatch{font-size:16px;padding-right:0}
        figure{margin:6px 12px 6px 0}.row{display:flex;flex-wrap:wrap;align-items:flex-start}
        svg.chart{font-family:inherit;background:#fff}
        .missing{color:#8a6d3b;background:#fcf8e3;padding:6px 10px;border-radius:4px;display:inline-block}
        ul.notes{color:#8a6d3b;font-size:13px}
        """
}
