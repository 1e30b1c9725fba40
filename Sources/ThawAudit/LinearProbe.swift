import ThawHeads
import ThawStore

/// The probe half of the audit: logistic regression on the stored and on the float32 features.
enum LinearProbe {
    /// Maps ([H, W, C] or tokens [T, C]) are mean-pooled over positions first.
    static func compare(stored: [ThawStore.Sample], exact: [ThawStore.Sample], tap: Int, shape: [Int],
                        manifest: Manifest) -> (result: AuditResult.Probe?, note: String?) {
        let train = manifest.splitNames.firstIndex(of: "train")
        let test = manifest.splitNames.firstIndex(of: "test") ?? manifest.splitNames.firstIndex { ["val", "validation", "valid"].contains($0) }
        let trainRows = stored.indices.filter { stored[$0].split == train && stored[$0].label >= 0 }
        let testRows = stored.indices.filter { stored[$0].split == test && stored[$0].label >= 0 }
        let classes = manifest.labelNames.count
        guard !trainRows.isEmpty, !testRows.isEmpty else {
            return (nil, "no probe: the audited samples hold \(trainRows.count) labeled train and \(testRows.count) labeled test rows "
                    + "(audit more with --samples)")
        }
        guard Set(trainRows.map { stored[$0].label }).count >= 2 else {
            return (nil, "no probe: the audited train rows hold one class (audit more with --samples)")
        }
        let rowShape = shape.count == 2 ? [1] + shape : shape
        // Labels come from the stored records for both (the rows are the same samples in the same order).
        func features(_ records: [ThawStore.Sample], _ rows: [Int], _ name: String) throws -> FeatureSet {
            let set = try FeatureSet(name: name, features: rows.flatMap { records[$0].taps[tap] },
                                     labels: rows.map { stored[$0].label }, rowShape: rowShape)
            return set.isMap ? set.pooled(.avg) : set
        }
        do {
            var predictions: [[Int]] = []
            var top1: [Double] = []
            for (records, name) in [(stored, "stored"), (exact, "float32")] {
                let model = try LogisticRegression.fit(data: try features(records, trainRows, name + ":train"), classes: classes, c: 1)
                let testSet = try features(records, testRows, name + ":test")
                let logits = model.logits(testSet)
                let predicted = (0..<testSet.count).map { r in
                    (0..<classes).max { logits[r * classes + $0] < logits[r * classes + $1] }!
                }
                predictions.append(predicted)
                top1.append(Double(zip(predicted, testSet.labels).filter { $0 == Int($1) }.count) / Double(testSet.count))
            }
            let agree = zip(predictions[0], predictions[1]).filter { $0 == $1 }.count
            return (AuditResult.Probe(trainRows: trainRows.count, testRows: testRows.count, storedTop1: top1[0], float32Top1: top1[1],
                                      agreement: Double(agree) / Double(testRows.count)), nil)
        } catch {
            return (nil, "no probe: \(error)")
        }
    }
}
