// Thaw side of the ResNet-50 and all-MiniLM-L6-v2 throughput benchmarks (release build):
//
//   swift build -c release --product thaw-resnet-minilm-bench
//   .build/release/thaw-resnet-minilm-bench resnet50|resnet18 [--batches 1,32] [--runs 7] [--profile] [--compare-winograd]
//       [--compare-tiles] [--compare-wide-winograd] [--compare-panels] [--compare-windows] [--compare-fc] [--no-tiles]
//   .build/release/thaw-resnet-minilm-bench minilm [--runs 7] [--profile] [--no-panel-linear]
//       (--no-panel-linear: the linear layers through OpenBLAS instead of packed for the AVX-512 panel kernel)
//
// Same workloads as benchmarks/backbones/torch_side.py: ResNet-50 at 224×224 (random weights: speed
// does not depend on values), pool output; MiniLM on the first 32 BBC News articles padded/cut to
// 128 tokens, hidden states + mean pool. 2 warm-up runs, then the median of --runs. Prints JSON
// like torch_side.py; run.sh alternates both sides and prints ratios. `minilm --profile` instead
// prints the time and GFLOP/s of each stage of layer 0 (stages run one at a time, median of 5).
import Foundation
import ThawAssets
import ThawBackbones
import ThawBackbonesProfile
import ThawBLAS
import ThawKernels

struct Result: Encodable { var model: String; var batch: Int; var input: String; var items_per_s: Double; var median_s: Double; var runs_s: [Double] }

func timeRuns(warmup: Int = 2, runs: Int, _ body: () throws -> Void) rethrows -> [Double] {
    for _ in 0..<warmup { try body() }
    return try (0..<runs).map { _ in
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
    }
}

func result(_ model: String, _ batch: Int, _ input: String, _ times: [Double]) -> Result {
    let median = times.sorted()[times.count / 2]
    return Result(model: model, batch: batch, input: input, items_per_s: Double(batch) / median, median_s: median, runs_s: times)
}

/// Kaiming-uniform-like values from a xorshift generator (no denormals, no overflow through 50 layers).
func randomParameters(_ name: String, _ shape: [Int]) -> [Float] {
    var s: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: name.hashValue) | 1
    func u() -> Float { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return Float(s >> 40) * 0x1p-24 }
    let n = shape.reduce(1, *)
    if name.hasSuffix("running_var") || (name.hasSuffix(".weight") && shape.count == 1) { return (0..<n).map { _ in 0.5 + u() } }
    let scale = shape.count >= 2 ? (6 / Float(shape.dropFirst().reduce(1, *))).squareRoot() : 0.1
    return (0..<n).map { _ in (2 * u() - 1) * scale }
}

func bbcTexts(_ n: Int) -> [String] {
    guard let root = KnownAsset.named("bbc-news")?.find() else { fatalError("BBC News is not installed: \(KnownAsset.named("bbc-news")!.installCommand)") }
    let fm = FileManager.default
    let files = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted().flatMap { topic in
        ((try? fm.contentsOfDirectory(atPath: root + "/" + topic)) ?? []).filter { $0.hasSuffix(".txt") }.sorted().map { root + "/" + topic + "/" + $0 }
    }
    return files.prefix(n).map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "" }
}

var args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: String) -> String {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return fallback }
    return args[i + 1]
}
let runs = Int(option("--runs", "7"))!
// --no-split: every GEMM goes to OpenBLAS as one call (compare with the column split of small GEMMs).
SplitGEMM.enabled = !args.contains("--no-split")
// --split-rows R: GEMMs with at most R rows are split over the cores by Thaw (default SplitGEMM.maxRows).
if let r = args.firstIndex(of: "--split-rows").flatMap({ args.indices.contains($0 + 1) ? Int(args[$0 + 1]) : nil }) {
    SplitGEMM.maxRows = r
}
if let r = args.firstIndex(of: "--split-parts").flatMap({ args.indices.contains($0 + 1) ? Int(args[$0 + 1]) : nil }) {
    SplitGEMM.partsPerCore = r
}
// --no-tiles: ResNet convolutions on the plain path instead of ConvTiles (e.g. for --profile).
if args.contains("--no-tiles") { ConvTiles.enabled = false }
let batches = option("--batches", "1,32").split(separator: ",").map { Int($0)! }
let info = try BLAS.load()
var results: [Result] = []
switch args.first ?? "" {
case "resnet50", "resnet18":
    let depth = args.first == "resnet18" ? 18 : 50
    let net = try ResNet(depth: depth, parameters: randomParameters)
    if args.contains("--profile") {
        for b in batches {
            let layers = net.profileLayers(batch: b, size: 224)
            let sum = layers.reduce(0) { $0 + $1.seconds }
            print("# thaw profile ResNet-\(depth) batch \(b) at 224, OpenBLAS \(info.corename) \(info.threads) threads, split ≤\(SplitGEMM.maxRows) rows; layers run one by one")
            for l in layers {
                let rate = l.flops > 0 ? String(format: "%7.1f GFLOP/s", l.flops / l.seconds / 1e9) : ""
                let name = l.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                print(String(format: "%@ rows %6d %8.2f ms %5.1f%% %@", name as NSString, l.rows, l.seconds * 1e3,
                             100 * l.seconds / sum, rate as NSString))
            }
            let total = layers.reduce(0) { $0 + $1.flops }
            print(String(format: "# sum %.2f ms (%.1f img/s), %.2f GFLOP, %.1f GFLOP/s overall", sum * 1e3, Double(b) / sum,
                         total / 1e9, total / sum / 1e9))
        }
        exit(0)
    }
    // --compare-winograd: im2col only against the automatic choice (Winograd where it pays);
    // --compare-tiles: the plain convolution path (OpenBLAS threads or SplitGEMM, separate epilogue and residual
    // passes) against ConvTiles (tiles on all cores, epilogue and residual fused); --compare-wide-winograd: the
    // AVX2 Winograd tile transforms against the AVX-512 ones; --compare-panels: tiles on OpenBLAS against tiles on
    // the AVX-512 panel kernel (weights packed at load); --compare-windows: the stem and strided convolutions on the
    // panel kernel through im2col rows against windows read from the map; --compare-fc: fc at batch ≤ 4 as one
    // sgemm against sgemv parts over the cores.
    let comparisons: [(flag: String, names: (String, String), set: (Bool) -> Void)] = [
        ("--compare-winograd", ("im2col", "winograd-auto"), { WinogradChoice.policy = $0 ? .automatic : .never }),
        ("--compare-tiles", ("plain", "tiles"), { ConvTiles.enabled = $0 }),
        ("--compare-wide-winograd", ("winograd-avx2", "winograd-avx512"), { WinogradChoice.wideTransforms = $0 }),
        ("--compare-panels", ("tiles-openblas", "tiles-panels"), { ConvTiles.panelKernel = $0 }),
        ("--compare-windows", ("panels-im2col", "panels-windows"), { ConvTiles.directWindows = $0 }),
        ("--compare-fc", ("fc-sgemm", "fc-sgemv-parts"), { Linear.splitFewRows = $0 }),
    ]
    if let comparison = comparisons.first(where: { args.contains($0.flag) }) {
        // Forward by forward, the old setting then the new, in one process: the pairs share the machine's
        // minute, so the median of per-pair ratios survives a shared machine.
        for b in batches {
            var x = Tensor(zeros: [b, 224, 224, 3])
            for i in 0..<x.count { x.data[i] = Float(i % 251) / 125 - 1 }
            let input = Activations(tensor: x)
            var pairs: [(old: Double, new: Double)] = []
            for _ in 0..<(runs + 1) {
                var t: [Double] = []
                for setting in [false, true] {
                    comparison.set(setting)
                    t.append(try timeRuns(warmup: 0, runs: 1) { _ = try net.forward(input, from: nil, taps: ["pool"]) }[0])
                }
                pairs.append((t[0], t[1]))
            }
            pairs.removeFirst()                                  // warm-up pair
            func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
            let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
            print(String(format: "resnet%d b%d: %@ %.2f img/s, %@ %.2f img/s (medians of %d), per-pair speed-up median %.2f [%@], load %@",
                         depth, b, comparison.names.0 as NSString, Double(b) / median(pairs.map(\.old)),
                         comparison.names.1 as NSString, Double(b) / median(pairs.map(\.new)), pairs.count,
                         median(pairs.map { $0.old / $0.new }),
                         pairs.map { String(format: "%.2f", $0.old / $0.new) }.joined(separator: " ") as NSString, String(load) as NSString))
        }
        exit(0)
    }
    for b in batches {
        var x = Tensor(zeros: [b, 224, 224, 3])
        for i in 0..<x.count { x.data[i] = Float(i % 251) / 125 - 1 }
        let input = Activations(tensor: x)
        let times = try timeRuns(runs: runs) { _ = try net.forward(input, from: nil, taps: ["pool"]) }
        results.append(result("resnet\(depth)", b, "\(b)x224x224x3 NHWC", times))
    }
case "minilm":
    if args.contains("--no-panel-linear") { PanelLinear.packsAtLoad = false }
    let asset = KnownAsset.named("all-minilm-l6-v2")!
    guard let path = asset.find() else { fatalError("all-MiniLM-L6-v2 missing: \(asset.installCommand)") }
    let model = try ModelCatalog.named("all-minilm-l6-v2").load(path) as! BertBackbone
    let batch = model.tokenizer!.encodeBatch(bbcTexts(32), padding: .fixed(128))
    if args.contains("--profile") {
        let stages = model.encoder.profileLayer(0, ids: batch.ids.map { Int32($0) }, mask: batch.attentionMask.map { Int32($0) },
                                                batch: 32, length: 128)
        let sum = stages.dropLast().filter { !$0.name.hasPrefix("(") }.reduce(0) { $0 + $1.seconds }
        print("# thaw profile all-MiniLM-L6-v2 layer 0 at 32×128, OpenBLAS \(info.corename) \(info.threads) threads; stages run one by one")
        for s in stages {
            let rate = s.flops > 0 ? String(format: "%7.1f GFLOP/s", s.flops / s.seconds / 1e9) : ""
            let name = s.name.padding(toLength: 24, withPad: " ", startingAt: 0)
            print(String(format: "%@ %8.2f ms %5.1f%% %@", name as NSString, s.seconds * 1e3, 100 * s.seconds / sum, rate as NSString))
        }
        print(String(format: "# sum of stages %.2f ms; × %d layers ≈ %.3f s per batch", sum * 1e3, model.encoder.configuration.layers,
                     sum * Double(model.encoder.configuration.layers)))
        exit(0)
    }
    let ids = Activations(tensor: Tensor(shape: [32, 128], data: batch.ids.map(Float.init)), mask: batch.attentionMask.map(Float.init))
    let times = try timeRuns(runs: runs) { _ = try model.forward(ids, from: nil, taps: ["pool"]) }
    results.append(result("all_minilm_l6_v2", 32, "32x128 tokens (\(batch.attentionMask.reduce(0) { $0 + Int($1) }) real)", times))
default:
    FileHandle.standardError.write("usage: thaw-resnet-minilm-bench resnet50|resnet18|minilm [--batches 1,32] [--runs 7]\n".data(using: .utf8)!)
    exit(2)
}
struct Report: Encodable { var peer = "thaw"; var blas: String; var threads: Int; var results: [Result] }
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
print(String(decoding: try encoder.encode(Report(blas: info.corename, threads: info.threads, results: results)), as: UTF8.self))
