// Times `thaw sweep` and `thaw fit` (memory vs streamed) on a synthetic 10k × 1280 f16 cache.
// Run: swift build -c release --product thaw-fit-bench && .build/release/thaw-fit-bench [/tmp/fit-bench-cache]
// `thaw-fit-bench --make PATH N CLASSES` only writes such a cache (N × 1280 f16, Gaussian classes),
// e.g. the 100,000-record cache of docs/scale.md's streamed-sweep figures.
// `thaw-fit-bench --sweep CACHE --alternate KNOB=a,b,N`: one sweep alternating a switch in-process (SweepAlternation.swift).
import Foundation
import ThawCore
import ThawFit
import ThawHeads
import ThawStore

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--sweep" { try SweepAlternation.run(Array(arguments.dropFirst())); exit(0) }
let makeOnly = arguments.first == "--make"
let path = makeOnly ? arguments[1] : arguments.first ?? "/tmp/fit-bench-cache"
let n = makeOnly ? Int(arguments[2])! : 10_000, d = 1280, classes = makeOnly ? Int(arguments[3])! : 10
if makeOnly && FileManager.default.fileExists(atPath: path) { fatalError("\(path) exists: remove it first") }
if !FileManager.default.fileExists(atPath: path) {
    let m = Manifest(toolVersion: "0.1.0", backbone: "synthetic", weightsSHA256: String(repeating: "0", count: 64),
                     preprocessing: "{}", taps: [TapSpec(name: "pool", dtype: .f16, shape: [d], layout: "C")],
                     dataFingerprint: "bench", labelNames: (0..<classes).map { "c\($0)" },
                     splitNames: ["train", "val", "test"], sampleCount: n)
    var g = SplitMix64(seed: 1)
    let means = (0..<classes).map { _ in (0..<d).map { _ in 0.08 * g.nextNormal() } }
    let w = try CacheWriter.open(at: path, manifest: m, batchSize: 256)
    for i in 0..<n {
        let y = i % classes
        try w.append(CachedSample(index: i, label: Int32(y), split: (i / 10) % 10 < 8 ? 0 : ((i / 10) % 10 == 8 ? 1 : 2), id: "\(i)",
                            taps: [means[y].map { $0 + g.nextNormal() }]))
    }
    try w.finish()
}
if makeOnly { print("wrote \(path): \(n) × \(d) f16, \(classes) classes"); exit(0) }
func time(_ label: String, _ body: () throws -> String) rethrows {
    let t0 = Date()
    let what = try body()
    print(String(format: "%-44@ %7.2f s  %@", label, Date().timeIntervalSince(t0), what))
}
var q = SweepRequest(cache: path)
q.epochs = 10
try time("sweep 8 lr × 3 wd linear, 10 epochs") {
    let o = try SweepRun.run(q)
    return String(format: "best val %.3f test %.3f", o.rows[o.best].validation.top1, o.test?.top1 ?? 0)
}
var c = SweepRequest(cache: path)
c.axes.cs = SweepAxes.cGrid(8)
try time("sweep L-BFGS path over 8 C values") {
    let o = try SweepRun.run(c)
    return String(format: "best val %.3f", o.rows[o.best].validation.top1)
}
for budget in [1 << 32, 0] {
    var f = FitRequest(cache: path, tap: "pool")
    f.epochs = 10
    f.load = TapLoadOptions(memoryBudget: budget)
    try time("fit linear 10 epochs, \(budget == 0 ? "streamed" : "in memory")") {
        let o = try FitRun.run(f)
        return String(format: "test %.3f, %.0f rows/s", o.test?.top1 ?? 0, o.record.samplesPerSecond ?? 0)
    }
}
