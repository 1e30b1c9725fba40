import ThawHeads
import ThawRuns

/// Final metrics in the run-record conventions (`docs/run-records.md`): test metrics unprefixed
/// by split name, accuracies as fractions.
public enum MetricsJSON {
    /// `test_*`, `per_class_accuracy`, `confusion` from test metrics; `val_top1`, `train_seconds`, `class_names`.
    public static func final(test: ClassificationMetrics?, validation: ClassificationMetrics, classNames: [String],
                             trainSeconds: Double) -> [String: JSONValue] {
        var m: [String: JSONValue] = [
            "val_top1": .number(validation.top1),
            "val_loss": .number(validation.loss),
            "train_seconds": .number(trainSeconds),
            "class_names": .array(classNames.map { .string($0) }),
        ]
        if let t = test {
            m["test_top1"] = .number(t.top1)
            m["test_top5"] = .number(t.top5)
            m["test_mean_per_class"] = .number(t.meanPerClassAccuracy)
            m["test_macro_f1"] = .number(t.macroF1)
            m["test_ece"] = .number(t.expectedCalibrationError)
            m["test_loss"] = .number(t.loss)
            m["per_class_accuracy"] = .array(t.confusion.enumerated().map { j, row in
                let s = row.reduce(0, +)
                return .number(s > 0 ? Double(row[j]) / Double(s) : 0)
            })
            m["confusion"] = .array(t.confusion.map { .array($0.map { .number(Double($0)) }) })
        }
        return m
    }
}
