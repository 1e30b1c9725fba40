import Foundation

extension RunRecord {
    /// What tables call the run: its `--name`, else `shortLabel`.
    public var label: String { name ?? shortLabel }

    /// The kind and what sets the run apart, from its config: "fit (mlp-512, pool)",
    /// "sweep (linear, blocks.11 avg/max)", "finetune (from blocks.11)", "extract (efficientnet-lite0, fashion-mnist)".
    public var shortLabel: String {
        func text(_ key: String) -> String? { config[key]?.string }
        func texts(_ key: String) -> [String] {
            guard case .array(let items)? = config[key] else { return text(key).map { [$0] } ?? [] }
            return items.compactMap(\.string)
        }
        /// "pool" for vectors, "blocks.11 avg/max" for maps.
        func input(taps: [String], poolings: [String]) -> String {
            let shown = poolings.filter { $0 != "none" }
            return taps.joined(separator: "/") + (shown.isEmpty ? "" : " " + shown.joined(separator: "/"))
        }
        var parts: [String]
        switch kind {
        case .extract:
            parts = [text("model"), text("data").map { URL(fileURLWithPath: $0).lastPathComponent }].compactMap { $0 }
        case .fit:
            let head = text("optimizer") == "lbfgs" ? "lbfgs" : text("head")
            parts = [head, input(taps: texts("tap"), poolings: texts("pooling"))].compactMap { $0 }
        case .sweep:
            let heads = text("optimizer") == "lbfgs" ? ["lbfgs"] : texts("heads")
            parts = [heads.joined(separator: "/"), input(taps: texts("taps"), poolings: texts("poolings"))]
        case .finetune:
            parts = [text("from").map { "from " + $0 }].compactMap { $0 }
        case .audit:
            parts = [config["samples"]?.number.map { "\(Int($0)) samples" }].compactMap { $0 }
        }
        parts = parts.filter { !$0.isEmpty }
        return kind.rawValue + (parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")")
    }

    /// Labels for runs shown side by side. A label shared by several runs gets each run's start time
    /// (UTC, "HH:mm:ss"); one still shared (same second) gets the id instead.
    public static func labels(_ runs: [RunRecord]) -> [String] {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "HH:mm:ss"
        func counts(_ labels: [String]) -> [String: Int] { labels.reduce(into: [:]) { $0[$1, default: 0] += 1 } }
        let plain = runs.map(\.label)
        let plainCounts = counts(plain)
        let timed = zip(runs, plain).map { run, label in plainCounts[label]! > 1 ? label + " " + f.string(from: run.startedAt) : label }
        let timedCounts = counts(timed)
        return zip(runs, timed).map { run, label in timedCounts[label]! > 1 ? run.label + " " + run.id : label }
    }
}
