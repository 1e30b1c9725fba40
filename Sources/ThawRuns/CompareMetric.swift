import Foundation

/// One number compared across runs: where it lives in a `RunRecord`, how it is shown, and
/// which direction is better.
public struct CompareMetric: Sendable {
    public enum Unit: Sendable { case fraction, plain, seconds, perSecond, bytes }

    public let key: String            // metrics key, or a RunRecord field name
    public let label: String
    public let unit: Unit
    public let higherIsBetter: Bool
    let read: @Sendable (RunRecord) -> Double?

    /// The summary rows of `thaw compare` and the report, in display order.
    public static let summary: [CompareMetric] = [
        metric("test_top1", "test top-1", .fraction),
        metric("test_top5", "test top-5", .fraction),
        metric("test_mean_per_class", "mean per-class", .fraction),
        metric("test_macro_f1", "macro-F1", .fraction),
        metric("test_ece", "ECE", .plain, higherIsBetter: false),
        metric("val_top1", "val top-1", .fraction),
        CompareMetric(key: "wallSeconds", label: "wall time", unit: .seconds, higherIsBetter: false,
                      read: { $0.wallSeconds > 0 ? $0.wallSeconds : nil }),
        metric("train_seconds", "train time", .seconds, higherIsBetter: false),
        CompareMetric(key: "samplesPerSecond", label: "samples/s", unit: .perSecond, higherIsBetter: true,
                      read: { $0.samplesPerSecond }),
        CompareMetric(key: "peakRSSBytes", label: "peak RSS", unit: .bytes, higherIsBetter: false,
                      read: { $0.peakRSSBytes.map(Double.init) }),
    ]

    /// Metrics every fit, sweep and finetune record should carry; a run missing one is named.
    public static let expected: Set<String> = ["test_top1", "test_mean_per_class", "test_macro_f1", "test_ece",
                                               "wallSeconds", "samplesPerSecond", "peakRSSBytes"]

    static func metric(_ key: String, _ label: String, _ unit: Unit, higherIsBetter: Bool = true) -> CompareMetric {
        CompareMetric(key: key, label: label, unit: unit, higherIsBetter: higherIsBetter, read: { $0.metrics[key]?.number })
    }

    public func value(in run: RunRecord) -> Double? { read(run).flatMap { $0.isFinite ? $0 : nil } }

    /// The value as shown in tables: 91.23%, 0.0312, 12.3 s, 1,234/s, 512 MB.
    public func format(_ v: Double?) -> String {
        guard let v else { return "—" }
        switch unit {
        case .fraction: return String(format: "%.2f%%", 100 * v)
        case .plain: return String(format: "%.4f", v)
        case .seconds: return Self.duration(v)
        case .perSecond: return v >= 100 ? "\(Self.grouped(Int(v.rounded())))/s" : String(format: "%.1f/s", v)
        case .bytes: return String(format: "%.0f MB", v / 1_000_000)
        }
    }

    /// A difference against the first run: percentage points for fractions, ratios for costs.
    public func formatDelta(_ d: Double?, base: Double?) -> String {
        guard let d else { return "" }
        switch unit {
        case .fraction: return String(format: "%+.2f pt", 100 * d)
        case .plain: return String(format: "%+.4f", d)
        case .seconds, .perSecond, .bytes:
            guard let base, base != 0 else { return "" }
            return String(format: "×%.3g", (base + d) / base)
        }
    }

    /// Whether a difference is an improvement (nil when it is zero or unknown).
    public func isBetter(_ d: Double?) -> Bool? {
        guard let d, d != 0 else { return nil }
        return (d > 0) == higherIsBetter
    }

    static func duration(_ s: Double) -> String {
        if s < 60 { return String(format: "%.1f s", s) }
        if s < 3600 { return String(format: "%d m %02d s", Int(s) / 60, Int(s) % 60) }
        return String(format: "%d h %02d m", Int(s) / 3600, Int(s) % 3600 / 60)
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }
}

extension RunRecord {
    /// Class names from the metrics, or "class 0", "class 1", … for `count` classes.
    public func classNames(count: Int) -> [String] {
        var names: [String] = []
        if case .array(let items)? = metrics["class_names"] { names = items.compactMap(\.string) }
        return names.count == count ? names : (0..<count).map { "class \($0)" }
    }

    /// A metric that is an array of numbers (`per_class_accuracy`), nil elements where not numbers.
    public func numbers(_ key: String) -> [Double?]? {
        guard case .array(let a)? = metrics[key] else { return nil }
        return a.map(\.number)
    }

    /// A metric that is an array of arrays of numbers (`confusion`).
    public func matrix(_ key: String) -> [[Double]]? {
        guard case .array(let rows)? = metrics[key] else { return nil }
        var out: [[Double]] = []
        for row in rows {
            guard case .array(let cells) = row else { return nil }
            out.append(cells.map { $0.number ?? 0 })
        }
        return out
    }

    /// A short description of the run's configuration: head, pooling, optimizer, lr, wd, epochs.
    public var configSummary: String {
        let keys = ["tap", "head", "pooling", "optimizer", "lr", "weight_decay", "c", "epochs", "unfreeze", "views"]
        return keys.compactMap { key -> String? in
            guard let v = config[key] else { return nil }
            switch v {
            case .string(let s): return "\(key) \(s)"
            case .number(let d): return "\(key) \(d == d.rounded() && abs(d) < 1e9 ? String(Int(d)) : String(format: "%g", d))"
            case .bool(let b): return "\(key) \(b)"
            default: return nil
            }
        }.joined(separator: ", ")
    }
}
