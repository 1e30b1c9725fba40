import ThawHeads

/// `--misclassified N` in a run record: `metrics.misclassified`, the most confident test mistakes of
/// the run's head, each `{index, id, label, label_name, predicted, predicted_name, confidence}` (id:
/// the sample id or file name the cache stores, `ids[i]` for `mistakes[i]`).
public enum MisclassifiedJSON {
    public static func json(_ mistakes: [Mistake], ids: [String], classNames: [String]) -> JSONValue {
        precondition(ids.count == mistakes.count, "MisclassifiedJSON: one id per mistake")
        func name(_ c: Int32) -> String { classNames.indices.contains(Int(c)) ? classNames[Int(c)] : String(c) }
        return .array(zip(mistakes, ids).map { m, id in
            .object([
                "index": .number(Double(m.index)), "id": .string(id),
                "label": .number(Double(m.label)), "label_name": .string(name(m.label)),
                "predicted": .number(Double(m.predicted)), "predicted_name": .string(name(m.predicted)),
                "confidence": .number(m.confidence),
            ])
        })
    }
}
