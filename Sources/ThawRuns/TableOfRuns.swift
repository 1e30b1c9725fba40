import Foundation

/// The listing of `thaw runs`: runs filtered by kind and date, each with its key metric.
public struct RunListing: Sendable, Encodable {
    public struct Entry: Sendable, Encodable {
        public var id: String
        public var name: String?
        public var label: String        // the name, else a short label such as "sweep (linear, pool)"
        public var kind: String
        public var startedAt: Date
        public var keyMetric: String?   // metrics key (or "samplesPerSecond")
        public var keyValue: Double?
        public var wallSeconds: Double
        public var config: String
    }

    public let entries: [Entry]

    /// Runs of `kind` (all kinds when nil) started at or after `since`, oldest first.
    public init(runs: [RunRecord], kind: RunRecord.Kind? = nil, since: Date? = nil) {
        entries = runs.filter { run in
            (kind == nil || run.kind == kind) && (since == nil || run.startedAt >= since!)
        }.map { run in
            let (key, value) = Self.keyMetric(run)
            return Entry(id: run.id, name: run.name, label: run.label, kind: run.kind.rawValue, startedAt: run.startedAt, keyMetric: key,
                         keyValue: value, wallSeconds: run.wallSeconds, config: run.configSummary)
        }
    }

    /// Extracts: samples/s. Sweeps: the chosen configuration's val top-1 unless a test top-1 exists.
    /// Fits and fine-tunes: test top-1.
    public static func keyMetric(_ run: RunRecord) -> (String?, Double?) {
        switch run.kind {
        case .extract: return ("samplesPerSecond", run.samplesPerSecond)
        case .sweep:
            if let t = run.metrics["test_top1"]?.number { return ("test_top1", t) }
            let sweep = SweepTable(run)
            return ("val_top1", sweep.best.flatMap { sweep.rows[$0].valTop1 })
        case .fit, .finetune: return ("test_top1", run.metrics["test_top1"]?.number)
        case .audit:
            // The largest probe accuracy change over the taps (points of top-1, stored − float32).
            guard case .array(let taps)? = run.metrics["taps"] else { return ("probe_top1_difference", nil) }
            let deltas = taps.compactMap { tap -> Double? in
                guard case .object(let o) = tap, let s = o["probe_stored_top1"]?.number, let f = o["probe_float32_top1"]?.number else { return nil }
                return s - f
            }
            return ("probe_top1_difference", deltas.max { abs($0) < abs($1) })
        }
    }

    /// Parses `--since`: `yyyy-MM-dd` (UTC midnight) or a full ISO 8601 date-time.
    public static func parseDate(_ text: String) -> Date? {
        if let d = ISO8601DateFormatter().date(from: text) { return d }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: text)
    }

    public func table() -> TextTable {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        var t = TextTable(header: ["id", "run", "started (UTC)", "key metric", "wall", "config"],
                          align: [.left, .left, .left, .right, .right, .left])
        for e in entries {
            var shown = "—"
            if let key = e.keyMetric, let v = e.keyValue,
               let metric = CompareMetric.summary.first(where: { $0.key == key }) {
                shown = (metric.unit == .perSecond ? "" : metric.label + " ") + metric.format(v)
            }
            t.append([TextTable.Cell(e.id), TextTable.Cell(e.label), TextTable.Cell(f.string(from: e.startedAt)),
                      TextTable.Cell(shown), TextTable.Cell(CompareMetric.duration(e.wallSeconds)),
                      TextTable.Cell(e.config)])
        }
        return t
    }
}
