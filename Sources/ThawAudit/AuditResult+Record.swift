import Foundation
import ThawCore
import ThawRuns

extension AuditResult {
    /// The run record `thaw cache audit` saves beside the cache (kind `audit`); `AuditTable` reads it back.
    public func record(commandLine: [String], startedAt: Date, fingerprint: String) -> RunRecord {
        let rows: [JSONValue] = taps.map { t in
            var o: [String: JSONValue] = [
                "name": .string(t.name), "dtype": .string(t.dtype), "shape": .array(t.shape.map { .number(Double($0)) }),
                "max_abs_error": .number(t.maxAbsError), "mean_abs_error": .number(t.meanAbsError),
                "max_relative_error": .number(t.maxRelativeError),
            ]
            if let p = t.probe {
                o["probe_stored_top1"] = .number(p.storedTop1); o["probe_float32_top1"] = .number(p.float32Top1)
                o["probe_agreement"] = .number(p.agreement)
                o["probe_train_rows"] = .number(Double(p.trainRows)); o["probe_test_rows"] = .number(Double(p.testRows))
            }
            if let note = t.probeNote { o["probe_note"] = .string(note) }
            return .object(o)
        }
        var run = RunRecord(id: RunRecord.newID(kind: .audit, date: startedAt), kind: .audit, commandLine: commandLine,
                            startedAt: startedAt, wallSeconds: seconds, cache: cache, cacheFingerprint: fingerprint,
                            config: ["samples": .number(Double(samples)), "seed": .number(Double(seed)),
                                     "weights": .string(weights), "data": .string(data)],
                            metrics: ["taps": .array(rows)], thawVersion: thawVersion)
        run.samplesPerSecond = seconds > 0 ? Double(samples) / seconds : nil
        return run
    }
}
