import Foundation

/// The per-tap table of a `thaw cache audit` record (kind `audit`): storage error and probe accuracy.
public enum AuditTable {
    public static func table(_ run: RunRecord) -> TextTable {
        var t = TextTable(header: ["tap", "stored", "max |error|", "mean |error|", "max rel.", "probe stored", "probe f32", "Δ top-1", "agree"],
                          align: [.left, .left, .right, .right, .right, .right, .right, .right, .right])
        guard case .array(let items)? = run.metrics["taps"] else { return t }
        for case .object(let o) in items {
            func num(_ k: String, _ f: String) -> String { o[k]?.number.map { String(format: f, $0) } ?? "—" }
            func pct(_ k: String) -> String { o[k]?.number.map { String(format: "%.2f%%", 100 * $0) } ?? "—" }
            var delta = TextTable.Cell("—")
            if let s = o["probe_stored_top1"]?.number, let f = o["probe_float32_top1"]?.number {
                let d = 100 * (s - f)
                delta = TextTable.Cell(String(format: "%+.2f", d), tint: abs(d) >= 0.5 ? .bad : .good)
            }
            t.append([TextTable.Cell(o["name"]?.string ?? "?"), TextTable.Cell(o["dtype"]?.string ?? "?"),
                      TextTable.Cell(num("max_abs_error", "%.3g")), TextTable.Cell(num("mean_abs_error", "%.3g")),
                      TextTable.Cell(num("max_relative_error", "%.2g")), TextTable.Cell(pct("probe_stored_top1")),
                      TextTable.Cell(pct("probe_float32_top1")), delta, TextTable.Cell(pct("probe_agreement"))])
        }
        return t
    }

    /// Probe notes of the record ("no probe: …"), one per tap that has one.
    public static func notes(_ run: RunRecord) -> [String] {
        guard case .array(let items)? = run.metrics["taps"] else { return [] }
        return items.compactMap { item in
            guard case .object(let o) = item, let note = o["probe_note"]?.string else { return nil }
            return "\(o["name"]?.string ?? "?"): \(note)"
        }
    }
}
