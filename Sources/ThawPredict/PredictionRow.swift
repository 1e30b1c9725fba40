/// One input's prediction, as printed and written to `--output`.
public struct PredictionRow: Encodable, Sendable {
    public struct Ranked: Encodable, Sendable {
        public var label: String
        public var probability: Float
    }
    /// Position in the prediction's input order (cache index with `--cache`).
    public var index: Int
    /// The sample id: a path, `file#row`, or `text#N` for strings typed on the command line.
    public var id: String
    /// The true label when the source has one.
    public var label: String?
    public var predicted: String
    public var probability: Float
    /// The `top` most probable classes, most probable first (ties: lower class index first).
    public var top: [Ranked]

    /// Rows of probabilities [n, classes].
    static func rows(probabilities p: [Float], classes: [String], top k: Int,
                     samples: [(index: Int, id: String, label: String?)]) -> [PredictionRow] {
        let c = classes.count
        return samples.enumerated().map { r, s in
            let row = Array(p[(r * c)..<((r + 1) * c)])
            let order = row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }.prefix(min(k, c))
            let top = order.map { Ranked(label: classes[$0], probability: row[$0]) }
            return PredictionRow(index: s.index, id: s.id, label: s.label, predicted: top[0].label,
                                 probability: top[0].probability, top: top)
        }
    }
}
