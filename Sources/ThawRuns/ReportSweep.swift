/// The `table` metric of a sweep record, and its split into heat-map panels
/// (one per head × pooling × tap, LR across, weight decay down).
public struct SweepTable: Sendable {
    public struct Row: Sendable {
        public var lr: Double?
        public var weightDecay: Double?
        public var c: Double?
        public var head: String
        public var pooling: String
        public var tap: String
        public var valTop1: Double?
    }
    public struct Panel: Sendable {
        public var title: String
        public var xName: String          // "lr" or "C"
        public var xs: [Double]           // sorted ascending
        public var ys: [Double?]          // weight decays ascending; [nil] when the sweep has none
        public var cells: [[Double?]]     // [ys.count][xs.count] val top-1, nil = not tried
        public var rowIndex: [[Int?]]     // [ys.count][xs.count] index into `rows`
    }

    public let rows: [Row]
    public let best: Int?                 // the chosen configuration (record's `best`)

    public init(_ run: RunRecord) {
        var rows: [Row] = []
        if case .array(let items)? = run.metrics["table"] {
            for item in items {
                guard case .object(let o) = item else { continue }
                rows.append(Row(lr: o["lr"]?.number, weightDecay: o["weight_decay"]?.number, c: o["c"]?.number,
                                head: o["head"]?.string ?? "head", pooling: o["pooling"]?.string ?? "",
                                tap: o["tap"]?.string ?? "", valTop1: o["val_top1"]?.number))
            }
        }
        self.rows = rows
        let b = run.metrics["best"]?.number.map { Int($0) }
        best = b.flatMap { rows.indices.contains($0) ? $0 : nil }
            ?? rows.indices.filter { rows[$0].valTop1 != nil }.max { rows[$0].valTop1! < rows[$1].valTop1! }
    }

    /// Panels in the order their first row appears.
    public func panels() -> [Panel] {
        var order: [String] = []
        var groups: [String: [Int]] = [:]
        for (i, r) in rows.enumerated() {
            let name = [r.head, r.pooling.isEmpty ? nil : "pooling \(r.pooling)", r.tap.isEmpty ? nil : "tap \(r.tap)"]
                .compactMap { $0 }.joined(separator: " · ")
            if groups[name] == nil { order.append(name) }
            groups[name, default: []].append(i)
        }
        return order.map { name in
            let members = groups[name]!
            let usesLR = members.contains { rows[$0].lr != nil }
            let x: (Row) -> Double? = { usesLR ? $0.lr : $0.c }
            let xs = Array(Set(members.compactMap { x(rows[$0]) })).sorted()
            let wds = Array(Set(members.compactMap { rows[$0].weightDecay })).sorted()
            let ys: [Double?] = wds.isEmpty ? [nil] : wds
            var cells = [[Double?]](repeating: [Double?](repeating: nil, count: xs.count), count: ys.count)
            var index = [[Int?]](repeating: [Int?](repeating: nil, count: xs.count), count: ys.count)
            for i in members {
                guard let xv = x(rows[i]), let col = xs.firstIndex(of: xv),
                      let row = ys.firstIndex(where: { $0 == rows[i].weightDecay }) else { continue }
                // Several rows in one cell (e.g. epochs): keep the best; on a tie keep the chosen row.
                if let v = rows[i].valTop1, cells[row][col] == nil || v > cells[row][col]! || (v == cells[row][col]! && i == best) {
                    cells[row][col] = v
                    index[row][col] = i
                }
            }
            return Panel(title: name, xName: usesLR ? "lr" : "C", xs: xs, ys: ys, cells: cells, rowIndex: index)
        }
    }
}
