// Thaw side of the head-training benchmark; driven by benchmarks/heads/bench.py, which writes the data
// and runs the PyTorch and scikit-learn peers on it.
//
//   swift build -c release --product thaw-heads-bench
//   .build/release/thaw-heads-bench <data dir> heads <epochs>     64 stacked linear heads (8 LRs × 8 WDs)
//   .build/release/thaw-heads-bench <data dir> lbfgs <C count>    Thaw's L-BFGS logistic regression path over C
//
// Prints one JSON line: {"seconds":…, "best_val_accuracy":…, ...}.
import Foundation
import ThawBLAS
import ThawHeads

func load(_ url: URL, floats: Bool) -> [Float] {
    let data = try! Data(contentsOf: url)
    var out = [Float](repeating: 0, count: data.count / 4)
    _ = out.withUnsafeMutableBytes { data.copyBytes(to: $0) }
    return out
}

let args = CommandLine.arguments
guard args.count == 4, let amount = Int(args[3]) else {
    FileHandle.standardError.write("usage: thaw-heads-bench <data dir> heads|lbfgs <epochs|C count>\n".data(using: .utf8)!)
    exit(2)
}
let dir = URL(fileURLWithPath: args[1])
let meta = try! JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("meta.json"))) as! [String: Any]
let d = meta["dim"] as! Int, classes = meta["classes"] as! Int
func split(_ name: String) -> FeatureSet {
    let x = load(dir.appendingPathComponent("x_\(name).bin"), floats: true)
    let y = load(dir.appendingPathComponent("y_\(name).bin"), floats: true).map { Int32($0) }
    return try! FeatureSet(name: "\(dir.path):\(name)", features: x, labels: y, rowShape: [d])
}
let train = split("train"), val = split("val")
let info = try! BLAS.load()
let lrs = (meta["lrs"] as! [Double]).map { Float($0) }
let wds = (meta["wds"] as! [Double]).map { Float($0) }
let batch = meta["batch"] as! Int

// THAW_HEAD_GROUPS=1 trains all heads as one group (OpenBLAS threads the GEMMs) for comparison.
let groups = ProcessInfo.processInfo.environment["THAW_HEAD_GROUPS"].flatMap { Int($0) }

let start = Date()
var result: [String: Any] = ["blas_core": info.corename, "blas_threads": info.threads]
if args[2] == "heads" {
    // The lr × wd grid in sweep order (weight decay fastest), head k seeded 1 + k as `thaw sweep` does.
    let hyperparameters = lrs.flatMap { lr in wds.map { (lr, $0) } }.enumerated().map {
        HeadHyperparameters(learningRate: $1.0, weightDecay: $1.1, seed: 1 &+ UInt64($0))
    }
    let options = TrainingOptions(epochs: amount, batchSize: batch, optimizer: .sgd(momentum: 0.9, nesterov: false),
                                  schedule: .cosine(warmupSteps: 0, minFactor: 0), dataSeed: 7,
                                  evaluationBatchSize: 2048)
    let stack = try! HeadTrainer.train(shape: .linear, pooling: nil, heads: hyperparameters,
                                       classes: classes, train: train, validation: val, options: options,
                                       headGroups: groups)
    let seconds = Date().timeIntervalSince(start)
    let accs = stack.histories.map { $0.epochs.last!.valTop1! }
    let best = accs.indices.max { accs[$0] < accs[$1] }!
    result["seconds"] = seconds
    result["best_val_accuracy"] = accs[best]
    result["best_lr"] = Double(lrs[best / wds.count])
    result["best_wd"] = Double(wds[best % wds.count])
    result["heads"] = accs.count
    result["head_groups"] = groups ?? ProcessInfo.processInfo.activeProcessorCount
} else {
    let cs = (meta["cs"] as! [Double]).prefix(amount)
    let path = try! LogisticRegression.path(data: train, classes: classes, cs: Array(cs))
    let seconds = Date().timeIntervalSince(start)
    let accs = path.map { $0.evaluate(val).top1 }
    result["seconds"] = seconds
    result["best_val_accuracy"] = accs.max()!
    result["fits"] = path.count
    result["iterations"] = path.map(\.iterations)
}
print(String(data: try! JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), encoding: .utf8)!)
