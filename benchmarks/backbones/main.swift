// Thaw's forward of one backbone (release build; run.py alternates it with PyTorch, ONNX Runtime and OpenVINO).
//
//   swift build -c release --product thaw-backbones-bench
//   .build/release/thaw-backbones-bench --only lite0-b32 [--seconds 8] [--profile] [--chunk-floats F] [--split-rows R]
//   .build/release/thaw-backbones-bench --only mbv2-b32 [--seconds 8] [--profile]
//   .build/release/thaw-backbones-bench --only vits14-b16 --vit-weights F  (DINOv2 ViT-S/14 to `pool`; F written by
//       benchmarks/backbones/peer_assets.py or `python3 scripts/golden/vit.py --vits14 F`)
//   .build/release/thaw-backbones-bench --only cnxtt-b16 --convnext-weights F  (ConvNeXt-T to `fc`; F written by
//       `python3 scripts/golden/convnext.py --tiny F`)
//   .build/release/thaw-backbones-bench --only resnet50-b32 --resnet-weights F   (ResNet-50 to `fc`; F: torchvision keys)
//   .build/release/thaw-backbones-bench --only minilm-b32 --input F   (all-MiniLM-L6-v2 to `pool`, 128 tokens per sentence)
//   --input F: the input as raw little-endian values: images float32 NHWC [B, 224, 224, 3]; MiniLM int32 token ids
//       [B, 128] then the int32 attention mask [B, 128] (required for minilm; images default to seeded pixels).
//   --dump-output F: the warm-up forward's last tap as raw float32 (run.py compares it with the peers' outputs).
//   --no-fuse: inverted-residual blocks layer by layer (default: band by band, `InvertedResidual`);
//   --no-avx512: the baseline depthwise/stem/epilogue kernels (default: AVX-512 when the CPU has it);
//   --panel-order-before: the AVX2 panel GEMM in its order before K blocks (PanelGEMMOrder.mode 0; same floats);
//   --no-panel-strips: the AVX2 panel GEMM without contiguous weight strips (PanelGEMMOrder.stripRows 0; same floats);
//   --no-avx2: without AVX-512 (or with --no-avx512), the BLAS/baseline paths instead of the AVX2+FMA kernels;
//   --no-packed: 1×1 convolutions through OpenBLAS (default: the packed AVX-512 kernel, `PackedPointwise`,
//       and small-map blocks at batch 1 in phases on all cores, `InvertedResidual.forwardPhased`);
//   --dw4: AVX-512 depthwise rows four pixels per weight load (default: by channel groups, `depthwiseRowGroups`);
//   --dw-plain: AVX-512 depthwise rows one pixel, four channel groups at a time (`depthwiseRow`, before the groups);
//   --repeats R: timed runs per layer for --profile (default 5, vits14 20; median and fastest printed).
//   --profile-cold with a ResNet --profile: a 64 MiB sweep after every run, so each layer reads its weights from memory;
//       --profile-sequence: the layers in forward order, the whole sequence repeated, each layer timed where it runs;
//       --profile-in-place: each block's last convolution writes over the identity branch it adds.
//   --profile with vits14: one ViT-S/14 block's ops at 257 tokens (OpenBLAS and panel GEMMs, attention stages, GELU);
//       --profile-rows R: only its linear layers and GELU, over R rows (no attention);
//       --alternate-k-block R: R rounds of the profile with `--k-block`'s passes, then with one pass over K.
//   --alternate KNOB=A,B[,R]: R (10) whole forwards each with a knob at A and at B, interleaved; wall and CPU time, ratios
//       (KNOB k-block: `PanelLinear.kBlock`; attention-rows: `PanelAttentionCore.rowsPerUnit`, 0 = split by pairs;
//       equal-tiles: `PanelLinear.equalTiles`, 0 = `ConvTiles.grid` only; panel-attention: 0 = `SelfAttention.core`;
//       fused-norms: 0 = ViT's LayerNorms in dispatches of their own, not as the first phase of the next GEMM's;
//       batch1-dispatch: 0 = equal-tiles, attention-rows and fused-norms all off).
//   --no-equal-tiles: small linear outputs on `ConvTiles.grid` (default: equal tiles, `PanelLinear.equalTilesGrid`).
//   --attention-rows N: query rows per unit of the attention core when (batch, head) pairs are few (default 48; 0: by pairs).
//   --no-tiles: ResNet convolutions on the plain path instead of ConvTiles (tiles with fused epilogues).
//   --tiles-per-core T: ConvTiles.tilesPerCore for the small (deep, batch-1) GEMMs' grids (default 4).
//   --no-windows: ResNet's stem and strided convolutions through im2col rows instead of windows read from the map.
//   --no-fc-split: ResNet's fc at batch ≤ 4 as one sgemm instead of sgemv parts over the cores.
//   --no-panel-linear: ViT's and MiniLM's linear layers (qkv, proj, fc1, fc2) through OpenBLAS (default: packed at load,
//       `PanelLinear`).
//   --k-block N: `PanelLinear` sums K in passes of N (default 256, `PanelLinear.kBlock`; 0 = one pass over the whole K).
//   --no-panel-attention: ViT's and MiniLM's attention core through OpenBLAS (default: `PanelAttentionCore` on the panel kernel).
//   --eager-winograd: ResNet's Winograd filters computed at load instead of by the first forward that runs them.
//   --chunk-images K: ResNet's forward over chunks of at most K 224×224 images (default 16: `ResNet.chunkFloats` = K·56·56·256;
//       0 = the whole batch).
//   --winograd never|always|auto: Winograd for ResNet's 3×3 stride-1 convolutions never, always, or where it pays (default).
//
// Prints one JSON line: case, images/s (total images / total wall time after one warm-up
// forward), forward count, the fastest single forward (ms), peak RSS. `--profile` (Lite0, MobileNetV2, ResNet-50) instead prints per-layer time and GFLOP/s,
// and each whole block as the forward runs it.
import Dispatch
import Foundation
import ThawAssets
import ThawBackbones
import ThawBackbonesProfile
import ThawBLAS
import ThawKernels

let args = CommandLine.arguments
func option(_ name: String) -> String? { args.firstIndex(of: name).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil } }
let only = option("--only") ?? "lite0-b1"
let seconds = Double(option("--seconds") ?? "8") ?? 8
let family = only.split(separator: "-b").first.map(String.init) ?? ""
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("thaw-backbones-bench: \(message)\n".utf8))
    exit(2)
}
guard let batch = Int(only.split(separator: "-b").last ?? ""), ["lite0", "mbv2", "vits14", "cnxtt", "resnet50", "minilm"].contains(family),
      batch > 0 else {
    fail("usage: thaw-backbones-bench --only (lite0|mbv2|vits14|cnxtt|resnet50|minilm)-b<batch> [--seconds S] [--profile] [--input F] [--dump-output F]")
}
/// The raw little-endian values of `--input` (nil without the option); a wrong size is refused, never padded.
func inputFile<T>(_ type: T.Type, count: Int) -> [T]? {
    guard let path = option("--input") else { return nil }
    guard let data = FileManager.default.contents(atPath: path) else { fail("--input \(path): cannot read the file") }
    guard data.count == count * MemoryLayout<T>.stride else {
        fail("--input \(path): \(data.count) bytes, expected \(count * MemoryLayout<T>.stride) (\(count) \(T.self) values for \(only)). "
             + "Fix: rewrite it with benchmarks/backbones/peer_assets.py")
    }
    return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
}
let info = try BLAS.load()
/// The installed weights of `name`; a missing asset stops the benchmark with the install command (the peers
/// run the real weights: a stand-in would not be the same work).
func installed(_ name: String) -> String {
    guard let asset = KnownAsset.named(name), let path = asset.find() else {
        fail("\(name) is not installed: \(KnownAsset.named(name)?.installCommand ?? "scripts/deps.sh")")
    }
    return path
}
// --eager-winograd: ResNet computes every Winograd filter at load (as before deferring them to first use).
if args.contains("--eager-winograd") { WinogradChoice.deferFilters = false }
// --no-panel-linear: ViT's and MiniLM's linear layers through OpenBLAS instead of packed at load for the AVX-512 panel kernel.
if args.contains("--no-panel-linear") { PanelLinear.packsAtLoad = false }
// --no-scratch-scores: the attention core's scores in the probabilities buffer (same floats).
if args.contains("--no-scratch-scores") { SelfAttention.scoresInScratch = false }
// --ffn-rows N: MiniLM's feed-forward by blocks of N token rows (`PanelFeedForward.rowBlock`; 0 = the two GEMMs over all rows).
if let n = option("--ffn-rows").flatMap(Int.init) { PanelFeedForward.rowBlock = max(0, n) }
if let text = option("--k-block") {
    guard let n = Int(text), n >= 0 else { fail("--k-block takes a count of inputs ≥ 0 (0: one pass), got \(text)") }
    PanelLinear.kBlock = n == 0 ? .max : n
}
// --no-panel-attention: ViT's and MiniLM's attention core through OpenBLAS (SelfAttention.core) instead of PanelAttentionCore.
if args.contains("--no-panel-attention") { PanelAttentionCore.enabled = false }
// --no-equal-tiles: PanelLinear's small outputs cut by ConvTiles.grid (unequal tiles) instead of equal ones.
if args.contains("--no-equal-tiles") { PanelLinear.equalTiles = false }
if let text = option("--attention-rows") {
    guard let n = Int(text), n >= 0 else { fail("--attention-rows takes a count of query rows ≥ 0 (0: split by pairs), got \(text)") }
    PanelAttentionCore.rowsPerUnit = n
}
// --no-strips-at-load: CPUs running the AVX2 kernels keep [K][64] weight panels (each call of ≥ 48 rows copies them
// into strips) instead of laying them out as 16-column strips at load (`PanelStrips.atLoad`; the same floats).
if args.contains("--no-strips-at-load") { PanelStrips.atLoad = false }
// --no-window-strips-at-load: the convolutions the window kernel runs keep [K][64] panels, copied into strips per call
// (`PanelStrips.windowsAtLoad`; the same floats).
if args.contains("--no-window-strips-at-load") { PanelStrips.windowsAtLoad = false }
let lite: ((Int, Int, Int) -> [EfficientNetLayerTiming])?   // the per-layer profile of Lite0 or MobileNetV2
let backbone: any Backbone
var reload: (() throws -> any Backbone)? = nil                // the same model loaded again (`--alternate-strips`)
let tokens = 128
if family == "minilm" {
    reload = { try ModelCatalog.named("all-minilm-l6-v2").load(installed("all-minilm-l6-v2")) }
    backbone = try reload!()
    lite = nil
} else if family == "resnet50" {
    guard let path = option("--resnet-weights") else {
        fail("resnet50 needs --resnet-weights F (torchvision key names; benchmarks/backbones/peer_assets.py writes seeded ones)")
    }
    reload = { try ModelCatalog.named("resnet50").load(path) }
    backbone = try reload!()
    // 56·56·256 floats: the largest map of one 224×224 image (layer1's output, and conv1's before the max-pool).
    if let images = option("--chunk-images").flatMap(Int.init), let resnet = backbone as? ResNet { resnet.chunkFloats = images * 56 * 56 * 256 }
    lite = nil
} else if family == "cnxtt" {
    guard let path = option("--convnext-weights") else {
        fail("cnxtt needs --convnext-weights F (written by `python3 scripts/golden/convnext.py --tiny F`)")
    }
    backbone = try ModelCatalog.named("convnext-tiny").load(path)
    lite = nil
} else if family == "vits14" {
    guard let path = option("--vit-weights") else {
        fail("vits14 needs --vit-weights F (benchmarks/backbones/peer_assets.py or `python3 scripts/golden/vit.py --vits14 F` writes it)")
    }
    backbone = try ModelCatalog.named("dinov2-vits14").load(path)
    lite = nil
} else if family == "mbv2" {
    let mbv2 = try MobileNetV2(weightsPath: installed("mobilenet-v2"))
    if let chunk = option("--chunk-floats").flatMap(Int.init) { mbv2.chunkFloats = chunk }
    (lite, backbone) = (mbv2.profileLayers, mbv2)
} else {
    let lite0 = try EfficientNetLite(variant: 0, weightsPath: installed("efficientnet-lite0"))
    if let chunk = option("--chunk-floats").flatMap(Int.init) { lite0.chunkFloats = chunk }
    (lite, backbone) = (lite0.profileLayers, lite0)
}
// --no-avx512: the baseline (SSE) depthwise, stem and epilogue kernels instead of the AVX-512 ones.
if args.contains("--no-avx512") { VectorISA.avx512 = false }
// --no-avx2: without AVX-512, the BLAS/baseline paths instead of the AVX2+FMA packed kernels (VectorISA.avx2Kernels).
if args.contains("--no-avx2") { VectorISA.avx2Kernels = false }
// --panel-order-before: the AVX2 panel GEMM without K blocks (PanelGEMMOrder.mode 0; the same floats).
if args.contains("--panel-order-before") { PanelGEMMOrder.mode = 0 }
// --no-panel-strips: the AVX2 panel GEMM reads the panels in place (PanelGEMMOrder.stripRows 0; the same floats).
if args.contains("--no-panel-strips") { PanelGEMMOrder.stripRows = 0 }
// --no-fuse: inverted-residual blocks layer by layer instead of band by band (InvertedResidual).
if args.contains("--no-fuse") { InvertedResidual.enabled = false }
// --no-packed: 1×1 convolutions (expand, project, head) through OpenBLAS instead of the packed AVX-512 kernel.
if args.contains("--no-packed") { PackedPointwise.enabled = false }
// --dw4: AVX-512 depthwise rows four output pixels per weight load (DepthwiseConv2D.fourPixels; default off).
if args.contains("--dw4") { DepthwiseConv2D.fourPixels = true }
// --dw-plain: AVX-512 depthwise rows one pixel, all channels at a time (before `depthwiseRowGroups`).
if args.contains("--dw-plain") { DepthwiseConv2D.groupRows = false }
// --no-narrow: 7- and 14-wide depthwise rows by interior runs and border pixels instead of clipped runs of four.
if args.contains("--no-narrow") { VectorISA.narrowDepthwise = false }
// --wide-tiles: the 1×1 kernel's last panels of N = 24, 40, … as 32-/16-column tiles instead of 16 + 8 / 8 columns.
if args.contains("--wide-tiles") { VectorISA.narrowPointwiseTiles = false }
// --no-short-tiles: the 1×1 kernel's last row tiles of ≤ 4 rows as 8-row tiles (repeating the last row) instead of 4-row tiles.
if args.contains("--no-short-tiles") { VectorISA.shortPointwiseTiles = false }
// --no-slabs: small-map blocks at batch 1 in three row/panel phases instead of channel slabs (expand + depthwise per slab).
if args.contains("--no-slabs") { InvertedResidual.channelSlabs = false }
// --team: batch-1 parallel regions (phased blocks, row segments, head) on WorkerTeam's helpers kept awake between
// regions instead of DispatchQueue.concurrentPerform (default off); --team-spin US: how long a helper spins before it
// sleeps (default 200).
if args.contains("--team") { WorkerTeam.enabled = true }
if let us = option("--team-spin") {
    guard let v = Int(us), v >= 0 else { fail("--team-spin takes microseconds ≥ 0, got \(us)") }
    WorkerTeam.spinMicroseconds = v
}
// --split-rows R: convolution GEMMs with at most R rows are split over the cores by Thaw.
if let r = option("--split-rows").flatMap(Int.init) { SplitGEMM.maxRows = r }
if let r = option("--split-parts").flatMap(Int.init) { SplitGEMM.partsPerCore = r }
let size = 224
let input: Activations
if family == "minilm" {
    guard let ids = inputFile(Int32.self, count: 2 * batch * tokens) else { fail("minilm needs --input F (token ids and mask, int32)") }
    let n = batch * tokens
    input = Activations(tensor: Tensor(shape: [batch, tokens], data: ids[..<n].map(Float.init)), mask: ids[n...].map(Float.init))
} else {
    var state: UInt32 = 12345
    let pixels = inputFile(Float.self, count: batch * size * size * 3) ?? (0..<batch * size * size * 3).map { _ -> Float in
        state = state &* 1664525 &+ 1013904223; return Float(state >> 8) / Float(1 << 23) - 1
    }
    input = Activations(tensor: Tensor(shape: [batch, size, size, 3], data: pixels))
}

// --no-tiles: ResNet convolutions on the plain path (OpenBLAS threads or SplitGEMM, separate epilogue passes)
// instead of ConvTiles.
if args.contains("--no-tiles") { ConvTiles.enabled = false }
// --tiles-per-core T: tiles per core for small convolution GEMMs (default 4, `ConvTiles.tilesPerCore`).
if let t = option("--tiles-per-core").flatMap(Int.init), t > 0 { ConvTiles.tilesPerCore = t }
// --no-windows: the stem and strided ResNet convolutions lower im2col rows for the panel kernel instead of reading
// their windows from the map (ConvTiles.directWindows).
if args.contains("--no-windows") { ConvTiles.directWindows = false }
// --window-blocks F: the AVX2 window kernel's quarter groups of at most F floats (`ConvTiles.windowQuarterBlockFloats`,
// 0 = one pass, a block's quarters back to back).
if let f = option("--window-blocks").flatMap(Int.init), f >= 0 { ConvTiles.windowQuarterBlockFloats = f }
// --run-pieces 0|1: quarter groups may cut a window run into pieces within --window-blocks (`ConvTiles.windowRunPieces`).
if let f = option("--run-pieces").flatMap(Int.init) { ConvTiles.windowRunPieces = f != 0 }
// --window-strips 0|1: the AVX2 window kernel's blocks read contiguous weight strips (`ConvTiles.windowStrips`, 1 default).
if let f = option("--window-strips").flatMap(Int.init) { ConvTiles.windowStrips = f != 0 }
// --shared-strips 0|1: AVX2 window convolutions of several row tiles cut their weights into strips once per call
// (`ConvTiles.windowSharedStrips`, 1 default) instead of per tile.
if let f = option("--shared-strips").flatMap(Int.init) { ConvTiles.windowSharedStrips = f != 0 }
// --strip-leftovers 0|1: the window kernel's leftover rows read the weight strips (`ConvTiles.windowStripLeftovers`, 1 default).
if let f = option("--strip-leftovers").flatMap(Int.init) { ConvTiles.windowStripLeftovers = f != 0 }
// --strips-in-order 0|1: the window kernel's strips copied reading each panel row once (`ConvTiles.windowStripsInOrder`, 1 default).
if let f = option("--strips-in-order").flatMap(Int.init) { ConvTiles.windowStripsInOrder = f != 0 }
// --copies-together 0|1: a window convolution's padded copy in its strips' parallel region (`ConvTiles.windowCopiesTogether`, 0 default).
if let f = option("--copies-together").flatMap(Int.init) { ConvTiles.windowCopiesTogether = f != 0 }
// --row-slabs 0|1: window tiles over `windowQuarterBlockRows` rows in quarter-block slabs (`ConvTiles.windowRowSlabs`).
if let f = option("--row-slabs").flatMap(Int.init) { ConvTiles.windowRowSlabs = f != 0 }
// --max-pool 0|1: the max pool on `AVX2Kernels.maxPoolRow` (1, default) or the generic loop (`Pooling.avx2MaxPool`).
if let f = option("--max-pool").flatMap(Int.init) { Pooling.avx2MaxPool = f != 0 }
// --no-fc-split: ResNet's fc at batch ≤ 4 as one OpenBLAS sgemm instead of sgemv parts over the cores.
if args.contains("--no-fc-split") { Linear.splitFewRows = false }
// --winograd never|always|auto: which 3×3 stride-1 convolutions take Winograd (default auto, `WinogradChoice.pays`).
switch option("--winograd") {
case "never": WinogradChoice.policy = .never
case "always": WinogradChoice.policy = .always
case nil, "auto": break
default: fail("--winograd takes never, always or auto")
}
if args.contains("--profile"), family == "vits14" {
    // One ViT-S/14 block's ops at 224 (257 tokens), one at a time; the model itself is not run.
    // --profile-rows R: the linear layers only, over R token rows (4096: MiniLM's 32 × 128).
    let rows = option("--profile-rows").flatMap(Int.init)
    // --alternate-k-block R: R rounds, each the profile with `--k-block` passes and then with one pass over K.
    let rounds = option("--alternate-k-block").flatMap(Int.init)
    let chosen = PanelLinear.kBlock
    for round in 0..<(rounds ?? 1) {
        for kBlock in rounds == nil ? [chosen] : [chosen, Int.max] {
            PanelLinear.kBlock = kBlock
            let ops = profileViTBlock(tokens: rows ?? 257, width: 384, heads: 6, mlp: 1536, repeats: option("--repeats").flatMap(Int.init) ?? 20,
                                      attention: rows == nil)
            let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
            let passes = kBlock == .max ? "one pass over K" : "K in passes of \(kBlock)"
            print("# thaw profile of one ViT-S/14 block (\(rows ?? 257) token rows), OpenBLAS \(info.corename) \(info.threads) threads; "
                  + "\(passes)\(rounds == nil ? "" : ", round \(round + 1)"); median; load \(load)")
            for op in ops {
                let rate = op.flops > 0 ? String(format: "%7.1f GFLOP/s", op.flops / op.seconds / 1e9) : String(repeating: " ", count: 15)
                // CPU time of both cores per run: GFLOP per CPU-second is the kernel's own rate whatever the load.
                let perCPU = op.flops > 0 ? String(format: "%6.1f GFLOP/CPU-s", op.flops / op.cpuSeconds / 1e9) : ""
                // Fastest run against CPU time: cores busy during the op (2.0 = both all the time), on a loaded
                // machine read from the fastest run, the one least cut by other processes.
                print(String(format: "%-44@ %8.3f ms %@ | fastest %8.3f ms | cpu %8.3f ms %@ | cores busy %.2f", op.name as NSString,
                             op.seconds * 1e3, rate as NSString, op.fastestSeconds * 1e3, op.cpuSeconds * 1e3, perCPU as NSString,
                             op.cpuSeconds / op.fastestSeconds))
            }
        }
    }
    exit(0)
}
// The knobs `--alternate` and `--profile-alternate` take.
let alternationKnobs: [String: (Int) -> Void] = ["k-block": { PanelLinear.kBlock = $0 }, "attention-rows": { PanelAttentionCore.rowsPerUnit = $0 },
                                      "equal-tiles": { PanelLinear.equalTiles = $0 != 0 },
                                      "panel-attention": { PanelAttentionCore.enabled = $0 != 0 },
                                      "fused-norms": { PanelLinear.fusesPrologue = $0 != 0 },
                                      "batch1-dispatch": { (on: Int) in
                                          PanelLinear.equalTiles = on != 0; PanelLinear.fusesPrologue = on != 0
                                          PanelAttentionCore.rowsPerUnit = on != 0 ? 48 : 0 },
                                      "avx2": { VectorISA.avx2Kernels = $0 != 0 }, "window-passes": { ConvTiles.windowPasses = $0 != 0 },
                                      "panel-order": { PanelGEMMOrder.mode = $0 }, "wide-row": { PanelGEMMOrder.wideRow = $0 != 0 },
                                      "inline-ends": { PanelGEMMOrder.inlineEnds = $0 != 0 },
                                      "row-slab": { PanelGEMMOrder.rowSlab = $0 },
                                      "residual-in-place": { ResNetBlock.residualInPlace = $0 != 0 },
                                      "tiles-per-core": { ConvTiles.tilesPerCore = max(1, $0) },
                                      "panel-strips": { PanelGEMMOrder.stripRows = $0 }, "band-floats": { InvertedResidual.bandFloats = max(1, $0) },
                                      "window-blocks": { ConvTiles.windowQuarterBlockFloats = $0 },
                                      "wide-leftovers": { ConvTiles.windowWideLeftovers = $0 != 0 },
                                      "window-inline-ends": { ConvTiles.windowInlineEnds = $0 != 0 },
                                      "team": { WorkerTeam.enabled = $0 != 0 },
                                      "team-resnet": { ResNet.teamAtBatchOne = $0 != 0 },
                                      "team-when-idle": { ResNet.teamOnlyWhenIdle = $0 != 0 },
                                      "team-backoff": { WorkerTeam.backsOff = $0 != 0 },
                                      "team-spin": { WorkerTeam.spinMicroseconds = $0 },
                                      "both-ends": { ConvTiles.claimsFromBothEnds = $0 != 0 },
                                      "team-both-ends": { (on: Int) in   // team-resnet and both-ends together
                                          ResNet.teamAtBatchOne = on != 0; ConvTiles.claimsFromBothEnds = on != 0 },
                                      "whole-tiles": { VectorISA.wholePointwiseTiles = $0 != 0 },
                                      "chain-stages": { InvertedResidual.chainsStages = $0 != 0 },
                                      "image-chains": { InvertedResidual.imageChains = $0 != 0 },
                                      "image-chain-head": { InvertedResidual.imageChainsHead = $0 != 0 },
                                      "chain-spin": { PhaseChain.spinMicroseconds = $0 },
                                      "chain-ends": { InvertedResidual.chainClaimsFromBothEnds = $0 != 0 },
                                      "head-pool": { InvertedResidual.chainPoolsInHead = $0 != 0 },
                                      "balanced-segments": { InvertedResidual.balancedSegments = $0 != 0 },
                                      "input-in-place": { InvertedResidual.chainReadsInput = $0 != 0 },
                                      "pool-and-input": { (on: Int) in   // head-pool and input-in-place together
                                          InvertedResidual.chainPoolsInHead = on != 0; InvertedResidual.chainReadsInput = on != 0 },
                                      "chain-extras": { (on: Int) in   // head-pool, balanced-segments and input-in-place together
                                          InvertedResidual.chainPoolsInHead = on != 0; InvertedResidual.balancedSegments = on != 0
                                          InvertedResidual.chainReadsInput = on != 0 },
                                      "halo-share": { InvertedResidual.segmentHaloShare = max(1, $0) },
                                      "six-pixels": { VectorISA.sixPixelStem = $0 != 0 },
                                      "window-block-rows": { ConvTiles.windowQuarterBlockRows = $0 == 0 ? .max : $0 },
                                      "max-pool": { Pooling.avx2MaxPool = $0 != 0 },
                                      "row-slabs": { ConvTiles.windowRowSlabs = $0 != 0 },
                                      "run-pieces": { ConvTiles.windowRunPieces = $0 != 0 },
                                      "window-strips": { ConvTiles.windowStrips = $0 != 0 },
                                      "shared-strips": { ConvTiles.windowSharedStrips = $0 != 0 },
                                      "strip-leftovers": { ConvTiles.windowStripLeftovers = $0 != 0 },
                                      "strips-in-order": { ConvTiles.windowStripsInOrder = $0 != 0 },
                                      "copies-together": { ConvTiles.windowCopiesTogether = $0 != 0 },
                                      "winograd-tiles": { WinogradChoice.minTilesScale = max(1, $0) },
                                      "winograd-groups": { WinogradChoice.groupFloats = $0 * 1024 },   // Ki floats per group (84 by default); 0 off
                                      "winograd-group-u": { WinogradChoice.groupMaxFilterFloats = $0 * 1024 },   // K floats of U at most
                                      "winograd-slices": { WinogradChoice.outputSlices = $0 != 0 },
                                      "scratch-scores": { SelfAttention.scoresInScratch = $0 != 0 },
                                      "zeroes-outputs": { SelfAttention.zeroesOutputs = $0 != 0 },
                                      "gelu-passes": { GELU.avx2InPasses = $0 != 0 }, "softmax-passes": { Softmax.avx2InPasses = $0 != 0 },
                                      "gelu-in-gemm": { PanelLinear.geluInGEMM = $0 != 0 },
                                      "ffn-rows": { PanelFeedForward.rowBlock = $0 },
                                      "attention-sentences": { PanelSelfAttention.bySentences = $0 != 0 },
                                      "bert-all": { (on: Int) in   // bert-blocks and attention-sentences together
                                          PanelLinear.rowEpilogueInTiles = on != 0; PanelLinear.coreMultipleTiles = on != 0
                                          PanelFeedForward.rowBlock = on != 0 ? 96 : 0; PanelSelfAttention.bySentences = on != 0 },
                                      "bert-blocks": { (on: Int) in   // norm-in-tiles, core-multiple-tiles and ffn-rows 96 together
                                          PanelLinear.rowEpilogueInTiles = on != 0; PanelLinear.coreMultipleTiles = on != 0
                                          PanelFeedForward.rowBlock = on != 0 ? 96 : 0 },
                                      "norm-in-tiles": { PanelLinear.rowEpilogueInTiles = $0 != 0 },
                                      "core-multiple-tiles": { PanelLinear.coreMultipleTiles = $0 != 0 },
                                      "bert-tiles": { (on: Int) in   // norm-in-tiles and core-multiple-tiles together
                                          PanelLinear.rowEpilogueInTiles = on != 0; PanelLinear.coreMultipleTiles = on != 0 },
                                      "elementwise-passes": { GELU.avx2InPasses = $0 != 0; Softmax.avx2InPasses = $0 != 0 },
                                      "winograd": { WinogradChoice.policy = $0 == 0 ? .never : $0 == 1 ? .automatic : .always }]
// --knob KNOB=V (repeatable): sets one of the alternation knobs for the whole run (e.g. a dump with a switch on); before
// --profile, so profiles run with it too.
for (i, arg) in args.enumerated() where arg == "--knob" && i + 1 < args.count {
    let spec = args[i + 1]
    let halves = spec.split(separator: "=", maxSplits: 1).map(String.init)
    guard halves.count == 2, let set = alternationKnobs[halves[0]], let value = Int(halves[1]) else {
        fail("--knob takes KNOB=V with KNOB one of \(alternationKnobs.keys.sorted()), got \(spec)")
    }
    set(value)
}
if args.contains("--profile"), let resnet = backbone as? ResNet {
    // Per layer as the forward runs it (each block's last convolution with its residual add); median / fastest run.
    // --profile-alternate KNOB=A,B: each layer's repeats at A and B interleaved; prints B's median and A/B per layer.
    let repeats = option("--repeats").flatMap(Int.init) ?? 5
    var alternate: ((Bool) -> Void)? = nil
    if let spec = option("--profile-alternate") {
        let halves = spec.split(separator: "=", maxSplits: 1).map(String.init)
        let parts = halves.count == 2 ? halves[1].split(separator: ",").compactMap { Int($0) } : []
        guard halves.count == 2, let set = alternationKnobs[halves[0]], parts.count == 2 else {
            fail("--profile-alternate takes KNOB=A,B with KNOB one of \(alternationKnobs.keys.sorted()), got \(spec)")
        }
        alternate = { set($0 ? parts[0] : parts[1]) }
    }
    // --tile-trace: how each window convolution's tiles spread over the threads (`TileTraceRecorder`), printed after.
    let tileTrace = args.contains("--tile-trace") ? TileTraceRecorder() : nil
    tileTrace?.install()
    // --profile-cold: a 64 MiB buffer written and read after every run (untimed), so each layer reads its weights and
    // input from memory as in a whole forward (ResNet-50's weights are ≈ 100 MB, 6× L3) instead of from L3.
    let coldSweep: (() -> Void)? = args.contains("--profile-cold") ? {
        let floats = 16 << 20
        let sweep = UnsafeMutablePointer<Float>.allocate(capacity: floats)
        sweep.initialize(repeating: 1, count: floats)
        return {
            var total: Float = 0
            for i in stride(from: 0, to: floats, by: 16) { sweep[i] += 1; total += sweep[i] }
            if total == -1 { print(total) }
        }
    }() : nil
    // --profile-sequence: the layers one after the other as in a forward, each timed where it runs.
    let layers = resnet.profileLayers(batch: batch, size: size, repeats: repeats, alternate: alternate, cold: coldSweep,
                                      inSequence: args.contains("--profile-sequence"),
                                      residualInPlace: args.contains("--profile-in-place"))
    tileTrace?.report()
    let total = layers.reduce(0) { $0 + $1.seconds }
    print("# thaw profile \(only), OpenBLAS \(info.corename) \(info.threads) threads, tiles \(ConvTiles.enabled ? "on" : "off"); layers run one by one")
    var byKind: [String: (Double, Double, Double)] = [:]
    for l in layers {
        let rate = l.flops > 0 ? String(format: "%7.1f GFLOP/s", l.flops / l.seconds / 1e9) : ""
        let paired = (l.secondsB.map { String(format: " | B %8.3f ms, A/B %.3f paired %.3f", $0 * 1e3, l.seconds / $0, l.pairedRatio!) } ?? "")
            + (l.cpuSeconds.map { String(format: " | cpu A %7.3f B %7.3f ms, paired %.3f", $0 * 1e3, l.cpuSecondsB! * 1e3, l.cpuPairedRatio!) } ?? "")
            + (l.fastestSeconds.map { String(format: " | fastest A %7.3f B %7.3f ms, cores busy %.2f %.2f", $0 * 1e3, l.fastestSecondsB! * 1e3,
                                             l.cpuSeconds! / $0, l.cpuSecondsB! / l.fastestSecondsB!) } ?? "")
        print(String(format: "%-24@ rows %6d %8.3f ms %5.1f%% %@%@", l.name as NSString, l.rows, l.seconds * 1e3,
                     100 * l.seconds / total, rate as NSString, paired as NSString))
        let kind = l.name == "stem" ? "stem 7x7" : ["maxpool", "pool", "fc"].contains(l.name) ? l.name
            : l.name.hasSuffix("downsample") ? "downsample 1x1"
            : l.name.contains(".conv2") ? (l.name.contains(".0.") && !l.name.hasPrefix("layer1") ? "3x3 stride 2" : "3x3 stride 1")
            : "1x1"
        let k = byKind[kind] ?? (0, 0, 0)
        byKind[kind] = (k.0 + l.seconds, k.1 + l.flops, k.2 + (l.secondsB ?? 0))
    }
    for (k, t) in byKind.sorted(by: { $0.value.0 > $1.value.0 }) {
        let rate = t.1 > 0 ? String(format: "%7.1f GFLOP/s", t.1 / t.0 / 1e9) : ""
        let paired = alternate == nil ? "" : String(format: " | B %8.3f ms, A/B %.3f", t.2 * 1e3, t.0 / t.2)
        print(String(format: "# %-15@ %8.3f ms %5.1f%% %@%@", k as NSString, t.0 * 1e3, 100 * t.0 / total, rate as NSString, paired as NSString))
    }
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
    let totalB = layers.reduce(0) { $0 + ($1.secondsB ?? 0) }
    let paired = alternate == nil ? "" : String(format: " | B %.3f ms, A/B %.3f", totalB * 1e3, total / totalB)
    print(String(format: "# total (layers one by one) %.3f ms = %.1f images/s%@; load %@", total * 1e3, Double(batch) / total,
                 paired as NSString, String(load) as NSString))
    exit(0)
}
if args.contains("--profile"), let profileLayers = lite {
    // --repeats R: timed runs per layer (default 5); the fastest run is printed beside the median.
    let layers = profileLayers(batch, size, option("--repeats").flatMap(Int.init) ?? 5)
    // Whole blocks as run ("block-fused"/"block-layered") are timed beside their layers: not in the total.
    let isBlock = { (l: EfficientNetLayerTiming) in l.name.contains(".block-") }
    let total = layers.filter { !isBlock($0) }.reduce(0) { $0 + $1.seconds }
    let fastestTotal = layers.filter { !isBlock($0) }.reduce(0) { $0 + $1.fastestSeconds }
    print("# thaw profile \(only), OpenBLAS \(info.corename) \(info.threads) threads; layers run one by one; median / fastest run")
    for l in layers.sorted(by: { $0.seconds > $1.seconds }) {
        print(String(format: "%-26@ %8.3f ms %5.1f%% %7.1f GFLOP/s | fastest %8.3f ms %7.1f GFLOP/s", l.name as NSString, l.seconds * 1e3,
                     100 * l.seconds / total, l.flops / l.seconds / 1e9, l.fastestSeconds * 1e3, l.flops / l.fastestSeconds / 1e9))
    }
    var byKind: [String: (Double, Double, Double)] = [:]
    for l in layers {
        let kind = isBlock(l) ? "blocks as run (" + (l.name.components(separatedBy: ".block-").last ?? "") + ")"
            : l.name.contains("depthwise") ? "depthwise" : l.name.hasSuffix("expand") ? "expand"
            : l.name.hasSuffix("project") ? "project" : l.name.hasSuffix(".add") ? "add" : l.name
        let k = byKind[kind] ?? (0, 0, 0)
        byKind[kind] = (k.0 + l.seconds, k.1 + l.fastestSeconds, k.2 + l.flops)
    }
    for (k, t) in byKind.sorted(by: { $0.value.0 > $1.value.0 }) {
        print(String(format: "# %-10@ %8.3f ms %5.1f%% | fastest %8.3f ms %5.1f%% %7.1f GFLOP/s  (%.1f MFLOP)", k as NSString, t.0 * 1e3,
                     100 * t.0 / total, t.1 * 1e3, 100 * t.1 / fastestTotal, t.2 / t.1 / 1e9, t.2 / 1e6))
    }
    print(String(format: "# total (layers one by one) %.3f ms = %.1f images/s; fastest runs %.3f ms = %.1f images/s", total * 1e3,
                 Double(batch) / total, fastestTotal * 1e3, Double(batch) / fastestTotal))
    exit(0)
}

let lastTap = family == "vits14" || family == "minilm" ? "pool" : "fc"
let warmUp = try backbone.forward(input, from: nil, taps: [lastTap])   // warm-up: sizes the workspace
if let path = option("--dump-output"), let out = warmUp[lastTap] {
    let bytes = out.tensor.data.withUnsafeBufferPointer { Data(buffer: $0) }
    guard FileManager.default.createFile(atPath: path, contents: bytes) else { fail("--dump-output \(path): cannot write the file") }
}
// --alternate-slabs N / --alternate-narrow N / --alternate-tiles N / --alternate-short-tiles N / --alternate-kept-rows N /
// --alternate-avx2 N (AVX2+FMA kernels against the BLAS/baseline paths, CPUs without AVX-512) /
// --alternate-packed N (the packed 1×1 kernel and the phased blocks against the BLAS 1×1 path, other kernels unchanged) /
// --alternate-team N (WorkerTeam against concurrentPerform) / --alternate-even-segments N (batch-1 row segments in a
// multiple of the cores against up to 2 per core):
// N forwards each with and
// without channel slabs (or the 7-/14-wide depthwise rows as clipped runs,
// the 1×1 kernel's 8-column tiles, its 4-row tiles, the fused blocks' kept-row slack), interleaved in this process (a loaded machine slows both
// alike); prints the median and fastest forward of each and the ratios.
for (flag, name, set) in [("--alternate-slabs", "slabs", { InvertedResidual.channelSlabs = $0 }),
                          ("--alternate-narrow", "narrow depthwise", { (on: Bool) in VectorISA.narrowDepthwise = on }),
                          ("--alternate-tiles", "narrow 1×1 tiles", { (on: Bool) in VectorISA.narrowPointwiseTiles = on }),
                          ("--alternate-short-tiles", "4-row 1×1 tiles", { (on: Bool) in VectorISA.shortPointwiseTiles = on }),
                          ("--alternate-kept-rows", "kept-row slack", { (on: Bool) in InvertedResidual.keptRowSlack = on }),
                          ("--alternate-avx2", "AVX2 kernels", { (on: Bool) in VectorISA.avx2Kernels = on }),
                          ("--alternate-packed", "packed 1×1 kernel", { (on: Bool) in PackedPointwise.enabled = on }),
                          ("--alternate-team", "worker team", { (on: Bool) in WorkerTeam.enabled = on }),
                          ("--alternate-even-segments", "even row segments", { (on: Bool) in InvertedResidual.evenSegments = on })] {
    guard let rounds = option(flag).flatMap(Int.init) else { continue }
    var times: [Bool: [Double]] = [true: [], false: []]
    for i in 0..<2 * max(1, rounds) {
        set(i % 2 == 0)
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = try backbone.forward(input, from: nil, taps: [lastTap])
        times[i % 2 == 0, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    let on = times[true]!, off = times[false]!
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
    print(String(format: "%@ %@ median %.3f ms fastest %.3f | without median %.3f fastest %.3f | without/with median %.3f fastest %.3f; load %@",
                 only as NSString, name as NSString, median(on), on.min()!, median(off), off.min()!, median(off) / median(on),
                 off.min()! / on.min()!, String(load) as NSString))
    exit(0)
}
// --alternate KNOB=A,B[,R]: R (default 10) forwards with the knob at value A and at B interleaved in this process;
// prints the median and fastest forward of each, the CPU time per forward of each, and time A / time B (B's speed-up).
// Knobs: k-block (`PanelLinear.kBlock`), attention-rows (`PanelAttentionCore.rowsPerUnit`, 0: split by pairs),
// equal-tiles (`PanelLinear.equalTiles`: 0 off, 1 on), panel-attention (`PanelAttentionCore.enabled`: 0 = OpenBLAS core),
// fused-norms (`PanelLinear.fusesPrologue`: 0 = ViT's LayerNorms in dispatches of their own), batch1-dispatch (the three
// before it together: 0 = ConvTiles' grid, attention split by pairs, LayerNorms on their own, as before them),
// avx2 (`VectorISA.avx2Kernels`: 0 = the BLAS/baseline paths), window-passes (`ConvTiles.windowPasses`),
// window-blocks (`ConvTiles.windowQuarterBlockFloats`: 0 = one pass, else floats of a quarter slice per group),
// wide-leftovers (`ConvTiles.windowWideLeftovers`: 0 = a window kernel's last 1–3 rows one quarter at a time),
// window-inline-ends (`ConvTiles.windowInlineEnds`: 0 = the window kernel's block epilogues as one call per row),
// team (`WorkerTeam.enabled`: ResNet's convolution tiles and Winograd GEMMs, the mobile blocks' regions), team-resnet
// (`ResNet.teamAtBatchOne`: a batch-1 ResNet forward inside `WorkerTeam.during`), team-backoff (`WorkerTeam.backsOff`: 0 =
// helpers spin their whole `spinMicroseconds`, the caller spins until the region ends), team-spin
// (`WorkerTeam.spinMicroseconds`), both-ends (`ConvTiles.claimsFromBothEnds`: 1 = each layer's tiles claimed from both
// ends), team-both-ends (team-resnet and both-ends together),
// image-chains (`InvertedResidual.imageChains`: 1 = at batches ≥ the cores the stem and fused blocks image by image),
// image-chain-head (`InvertedResidual.imageChainsHead`: 0 = image chains end at the last block, not at the pool),
// chain-stages (`InvertedResidual.chainsStages`: 0 = one region per batch-1 stage), chain-spin
// (`PhaseChain.spinMicroseconds`: how long a worker waiting at a phase's barrier spins before it sleeps), chain-ends
// (`InvertedResidual.chainClaimsFromBothEnds`: 0 = the batch-1 chain's units claimed in order), halo-share
// (`InvertedResidual.segmentHaloShare`: 8 = batch-1 row segments recompute at most 1/8 of the expanded rows), six-pixels
// (`VectorISA.sixPixelStem`: 0 = the AVX2 stem kernel in runs of four pixels),
// whole-tiles (`VectorISA.wholePointwiseTiles`: 0 = every AVX2 1×1 tile finishes row by row with per-row checks),
// window-block-rows (`ConvTiles.windowQuarterBlockRows`: 0 = quarter blocks for tiles of any row count),
// winograd (`WinogradChoice.policy`: 0 never, 1 auto, 2 always), panel-order (`PanelGEMMOrder.mode`: 0 = the AVX2
// panel GEMM's order before K blocks, 1 = K blocks (default), 2 = also row slabs and prefetch), band-floats
// (`InvertedResidual.bandFloats`: expanded floats per band of the fused 112×112/56×56 blocks), wide-row
// (`PanelGEMMOrder.wideRow`: 0 = the AVX2 panel GEMM's leftover single rows by quarters), panel-strips
// (`PanelGEMMOrder.stripRows`: 0 = the AVX2 panel GEMM reads the panels in place, N = contiguous strips for calls of ≥ N rows),
// run-pieces (`ConvTiles.windowRunPieces`: 0 = quarter groups of whole window runs), window-strips
// (`ConvTiles.windowStrips`: 0 = the window kernel reads the panels in place), shared-strips (`ConvTiles.windowSharedStrips`:
// 0 = each tile copies its own strips), strip-leftovers (`ConvTiles.windowStripLeftovers`: 0 = leftover rows read the panel),
// strips-in-order (`ConvTiles.windowStripsInOrder`: 0 = strips copied quarter by quarter), copies-together
// (`ConvTiles.windowCopiesTogether`: 1 = the padded copy in the strips' region), row-slabs (`ConvTiles.windowRowSlabs`: 0 =
// tiles over `windowQuarterBlockRows` rows in one pass), max-pool (`Pooling.avx2MaxPool`: 0 = the
// generic loop), winograd-tiles (`WinogradChoice.minTilesScale`: 2 = layer3's 3×3 at batch 1 on the window kernel),
// scratch-scores
// (`SelfAttention.scoresInScratch`: 0 = inference scores in the [B, H, T, T] probabilities buffer), zeroes-outputs
// (`SelfAttention.zeroesOutputs`: 0 = sgemm with beta = 0 zeroes the attention core's outputs), gelu-passes
// (`GELU.avx2InPasses`: 0 = the AVX2 GELU as one dependent chain per vector), softmax-passes (`Softmax.avx2InPasses`:
// 0 = softmax's exponentials as one chain per vector), elementwise-passes (both), gelu-in-gemm (`PanelLinear.geluInGEMM`:
// 1 = GELU inside the AVX2 panel GEMM per block of rows), norm-in-tiles (`PanelLinear.rowEpilogueInTiles`: 0 = MiniLM's
// LayerNorms in a pass of their own after the projection, not on each tile's rows), core-multiple-tiles
// (`PanelLinear.coreMultipleTiles`: 0 = large linear outputs on ConvTiles' count of tiles), bert-tiles (both), ffn-rows
// (`PanelFeedForward.rowBlock`: MiniLM's feed-forward by blocks of that many token rows, 0 = the two GEMMs over all rows),
// bert-blocks (norm-in-tiles, core-multiple-tiles and ffn-rows 96 against all three off), attention-sentences
// (`PanelSelfAttention.bySentences`: 0 = MiniLM's qkv, attention core and proj each over the whole batch), bert-all
// (bert-blocks and attention-sentences).
// --alternate-strips R: R forwards each of the model loaded with weights in strips (`PanelStrips.atLoad`, A) and
// loaded again with [K][64] panels copied into strips per call (B), interleaved; the same report as `--alternate`.
// --alternate-window-strips R: the same with B loaded with `PanelStrips.windowsAtLoad` flipped (only the window kernel's
// convolutions differ; with --no-window-strips-at-load A has panels and B strips, to see the bias of load order).
let stripsOption = option("--alternate-strips").map { ($0, false) } ?? option("--alternate-window-strips").map { ($0, true) }
if let (text, windowsOnly) = stripsOption {
    guard let rounds = Int(text), rounds > 0, let reload else { fail("--alternate-strips takes rounds > 0 (resnet50 or minilm), got \(text)") }
    let saved = (PanelStrips.atLoad, PanelStrips.windowsAtLoad)
    if windowsOnly { PanelStrips.windowsAtLoad.toggle() } else { PanelStrips.atLoad = false }
    let panels = try reload()
    (PanelStrips.atLoad, PanelStrips.windowsAtLoad) = saved
    _ = try panels.forward(input, from: nil, taps: [lastTap])     // its warm-up (workspace, deferred Winograd filters)
    var times: [[Double]] = [[], []], cpu: [[Double]] = [[], []]
    for i in 0..<2 * rounds {
        let t0 = DispatchTime.now().uptimeNanoseconds, c0 = processCPUSeconds()
        _ = try (i % 2 == 0 ? backbone : panels).forward(input, from: nil, taps: [lastTap])
        times[i % 2].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        cpu[i % 2].append((processCPUSeconds() - c0) * 1e3)
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    func ratios(_ v: [[Double]]) -> Double { median(zip(v[1], v[0]).map { $0 / $1 }) }
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
    let roles = windowsOnly && !saved.1 ? "window strips per-call copy (A) vs at load (B)" : "strips at load (A) vs per-call copy (B)"
    print(String(format: "%@ %@, %d rounds: wall median A %.3f ms B %.3f, B/A per round median %.3f | cpu per forward median A %.3f ms B %.3f, B/A per round median %.3f; load %@",
                 only as NSString, roles as NSString, rounds, median(times[0]), median(times[1]), ratios(times), median(cpu[0]), median(cpu[1]),
                 ratios(cpu), String(load) as NSString))
    exit(0)
}
// --chain-trace R: R forwards with every `PhaseChain` unit timed, then per phase its units, span, work per worker and
// the wait before it (`ChainTraceRecorder`; batch-1 mobile networks run their forward as one chain).
if let text = option("--chain-trace") {
    guard let rounds = Int(text), rounds > 0 else { fail("--chain-trace takes a number of forwards > 0, got \(text)") }
    let recorder = ChainTraceRecorder()
    recorder.install()
    for _ in 0..<rounds { _ = try backbone.forward(input, from: nil, taps: [lastTap]) }
    recorder.report(workers: PhaseChain.cores)
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
    print("# load \(load)")
    exit(0)
}
// --team-trace R: R forwards with every `WorkerTeam.run` region timed (`TeamTraceRecorder`): wake, tail, time outside.
if let text = option("--team-trace") {
    guard let rounds = Int(text), rounds > 0 else { fail("--team-trace takes a number of forwards > 0, got \(text)") }
    let recorder = TeamTraceRecorder()
    recorder.install()
    for _ in 0..<rounds { try recorder.forward { _ = try backbone.forward(input, from: nil, taps: [lastTap]) } }
    recorder.report(cores: PhaseChain.cores)
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
    print("# load \(load)")
    exit(0)
}
if let spec = option("--alternate") {
    let knobs = alternationKnobs
    let halves = spec.split(separator: "=", maxSplits: 1).map(String.init)
    let parts = halves.count == 2 ? halves[1].split(separator: ",").compactMap { Int($0) } : []
    guard halves.count == 2, let set = knobs[halves[0]], parts.count >= 2, parts.allSatisfy({ $0 >= 0 }) else {
        fail("--alternate takes KNOB=A,B[,rounds] with KNOB one of \(knobs.keys.sorted()) and values ≥ 0, got \(spec)")
    }
    let rounds = parts.count > 2 ? max(1, parts[2]) : 10
    var times: [[Double]] = [[], []], cpu: [[Double]] = [[], []]
    for i in 0..<2 * rounds {
        set(parts[i % 2])
        let t0 = DispatchTime.now().uptimeNanoseconds, c0 = processCPUSeconds()
        _ = try backbone.forward(input, from: nil, taps: [lastTap])
        times[i % 2].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        cpu[i % 2].append((processCPUSeconds() - c0) * 1e3)
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
    print(String(format: "%@ %@ %d: median %.3f ms fastest %.3f | %d: median %.3f fastest %.3f | time A/B median %.3f fastest %.3f; load %@",
                 only as NSString, halves[0] as NSString, parts[0], median(times[0]), times[0].min()!, parts[1], median(times[1]),
                 times[1].min()!, median(times[0]) / median(times[1]), times[0].min()! / times[1].min()!, String(load) as NSString))
    // CPU time of both cores per forward: what a loaded machine's time slicing does not inflate (cache sharing still does).
    print(String(format: "cpu time per forward: A median %.3f ms fastest %.3f | B median %.3f fastest %.3f | A/B median %.3f fastest %.3f",
                 median(cpu[0]), cpu[0].min()!, median(cpu[1]), cpu[1].min()!, median(cpu[0]) / median(cpu[1]), cpu[0].min()! / cpu[1].min()!))
    // Per round (A then B, run back to back): the median of A/B, which a slow or fast phase of the host shifts less.
    print(String(format: "per-round A/B median: wall %.3f cpu %.3f", median(zip(times[0], times[1]).map { $0 / $1 }),
                 median(zip(cpu[0], cpu[1]).map { $0 / $1 })))
    // The fastest tenth of the forwards: on a busy machine the forwards least disturbed, closer to an idle machine's.
    func tenth(_ v: [Double]) -> Double { v.sorted()[v.count / 10] }
    print(String(format: "wall 10th percentile: A %.3f ms | B %.3f ms | A/B %.3f", tenth(times[0]), tenth(times[1]), tenth(times[0]) / tenth(times[1])))
    exit(0)
}
var forwards = 0
let cpuStart = processCPUSeconds()
let start = DispatchTime.now().uptimeNanoseconds
var elapsed = 0.0
var fastest = Double.infinity                  // the quickest forward: on a loaded machine the steadier figure
repeat {
    let t0 = DispatchTime.now().uptimeNanoseconds
    _ = try backbone.forward(input, from: nil, taps: [lastTap])
    let now = DispatchTime.now().uptimeNanoseconds
    fastest = min(fastest, Double(now - t0) / 1e9)
    forwards += 1
    elapsed = Double(now - start) / 1e9
} while elapsed < seconds || forwards < 3
func peakRSS() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
    return Int(line.split(separator: " ").dropFirst().first ?? "0").map { $0 * 1024 } ?? 0
}
// cpu_ms_per_forward: CPU time of all threads per timed forward, which time slicing on a loaded machine does not inflate.
print(String(format: "{\"side\": \"thaw\", \"case\": \"%@\", \"images_per_s\": %.3f, \"forwards\": %d, \"fastest_ms\": %.3f, \"cpu_ms_per_forward\": %.3f, \"peak_rss_mb\": %.1f, \"kernel\": \"%@\"}",
             only as NSString, Double(forwards * batch) / elapsed, forwards, fastest * 1e3, (processCPUSeconds() - cpuStart) * 1e3 / Double(forwards),
             Double(peakRSS()) / 1048576, info.corename as NSString))
