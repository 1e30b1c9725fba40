import ThawHeads
import ThawRuns
import ThawStore

/// `--misclassified N` in a run record: `metrics.misclassified`, the chosen head's most confident test
/// mistakes, each `{index, id, label, label_name, predicted, predicted_name, confidence}` (id: the
/// sample id or file name the cache stores).
public enum MisclassifiedJSON {
    public static func json(_ mistakes: [Mistake], cache: String, classNames: [String]) throws -> JSONValue {
        let reader = try CacheReader(path: cache)
        func name(_ c: Int32) -> String { classNames.indices.contains(Int(c)) ? classNames[Int(c)] : String(c) }
        return .array(try mistakes.map { m in
            guard let s = try reader.sample(at: m.index) else {
                throw FitError("\(cache): test sample \(m.index) is not in the cache. Fix: run `thaw cache verify`")
            }
            return .object([
                "index": .number(Double(m.index)), "id": .string(s.id),
                "label": .number(Double(m.label)), "label_name": .string(name(m.label)),
                "predicted": .number(Double(m.predicted)), "predicted_name": .string(name(m.predicted)),
                "confidence": .number(m.confidence),
            ])
        })
    }
}
