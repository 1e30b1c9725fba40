import Foundation
@testable import ThawRuns

/// Run records as `thaw fit/sweep/finetune/extract` write them (docs: notes on the run schema),
/// with deterministic made-up numbers and one class name that needs escaping.
enum SampleRuns {
    static let classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                          "<b>Ankle & \"boot\"</b>"]

    static func date(_ minutes: Double) -> Date { Date(timeIntervalSince1970: 1_795_000_000 + 60 * minutes) }

    /// A fit or finetune: per-epoch curves, per-class accuracy, confusion, costs.
    static func trained(id: String, kind: RunRecord.Kind, at minutes: Double, base: Double, epochs: Int = 12) -> RunRecord {
        let k = classes.count
        var perClass: [Double] = []
        for c in 0..<k {
            let wobble: Double = 0.08 * sin(Double(c) * 1.7)
            perClass.append(min(0.99, base + wobble - (c == 6 ? 0.2 : 0)))
        }
        var confusion: [JSONValue] = []
        for r in 0..<k {
            var row: [JSONValue] = []
            for c in 0..<k {
                let right: Double = (100 * perClass[r]).rounded()
                let wrong: Double = (100 * (1 - perClass[r]) / Double(k - 1)).rounded(.down) + Double((r + c) % 2)
                row.append(.number(r == c ? right : wrong))
            }
            confusion.append(.array(row))
        }
        var curve: [[String: JSONValue]] = []
        for e in 1...epochs {
            let t = Double(e)
            let train: Double = 1.6 * exp(-t / 4) + 1.1 - base
            let val: Double = 1.5 * exp(-t / 5) + 1.18 - base + 0.004 * t
            let top1: Double = base - 0.25 * exp(-t / 3)
            curve.append(["epoch": .number(t), "train_loss": .number(train), "val_loss": .number(val),
                          "val_top1": .number(top1), "lr": 0.01, "seconds": 1.5])
        }
        let metrics: [String: JSONValue] = [
            "test_top1": .number(base), "test_top5": .number(min(0.999, base + 0.08)), "test_mean_per_class": .number(base - 0.004),
            "test_macro_f1": .number(base - 0.006), "test_ece": .number(0.05 - base / 40), "val_top1": .number(base + 0.003),
            "train_seconds": .number(Double(epochs) * 1.5), "class_names": .array(classes.map { .string($0) }),
            "per_class_accuracy": .array(perClass.map { .number($0) }), "confusion": .array(confusion),
        ]
        return RunRecord(id: id, kind: kind, commandLine: ["thaw", kind.rawValue, "cache/fmnist"], startedAt: date(minutes),
                         wallSeconds: kind == .finetune ? 412 : 21.5, cache: "cache/fmnist", cacheFingerprint: "9f2c41d0aa17be33",
                         config: ["head": "linear", "pooling": "avg", "lr": 0.01, "weight_decay": 0.0001, "epochs": .number(Double(epochs))],
                         metrics: metrics, epochs: curve, samplesPerSecond: kind == .finetune ? 145 : 52_000,
                         peakRSSBytes: kind == .finetune ? 910_000_000 : 240_000_000, blasKernel: "SkylakeX", thawVersion: "0.1.0")
    }

    /// A sweep: LR × weight decay for two heads, chosen configuration at `best`.
    static func sweep(id: String, at minutes: Double) -> RunRecord {
        var table: [JSONValue] = []
        var best = 0, bestValue = -1.0
        for head in ["linear", "mlp-512"] {
            for wd in [0.0, 1e-4, 1e-3] {
                for lr in [1e-3, 3e-3, 1e-2, 3e-2, 0.1] {
                    let v = 0.86 - 0.02 * pow(log10(lr) + 1.7, 2) - (wd == 1e-3 ? 0.01 : 0) + (head == "mlp-512" ? 0.006 : 0)
                    if v > bestValue { bestValue = v; best = table.count }
                    table.append(.object(["lr": .number(lr), "weight_decay": .number(wd), "head": .string(head), "pooling": "avg",
                                          "tap": "pool", "val_top1": .number(v), "val_loss": .number(1 - v), "best_epoch": 7]))
                }
            }
        }
        var run = trained(id: id, kind: .sweep, at: minutes, base: 0.862)
        run.metrics["table"] = .array(table)
        run.metrics["best"] = .number(Double(best))
        return run
    }

    static func extract(id: String, at minutes: Double) -> RunRecord {
        RunRecord(id: id, kind: .extract, commandLine: ["thaw", "extract"], startedAt: date(minutes), wallSeconds: 3900,
                  cache: "cache/fmnist", config: ["taps": .array(["pool", "blocks.15"])], samplesPerSecond: 18.2,
                  peakRSSBytes: 1_300_000_000, blasKernel: "SkylakeX", thawVersion: "0.1.0")
    }

    static let fit = trained(id: "fit-20261118-101500-a1b2", kind: .fit, at: 10, base: 0.851)
    static let sweepRun = sweep(id: "sweep-20261118-103000-c3d4", at: 30)
    static let finetune = trained(id: "finetune-20261118-120000-e5f6", kind: .finetune, at: 120, base: 0.903)
    static let extractRun = extract(id: "extract-20261118-080000-0a0b", at: -120)
}
