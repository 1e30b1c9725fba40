// Convolution-kernel micro-benchmarks (release build; see run.sh for the PyTorch comparison).
//
//   swift build -c release --product thaw-kernels-bench && .build/release/thaw-kernels-bench [seconds-per-case [im2col-budget-floats]]
//   .build/release/thaw-kernels-bench winograd [seconds-per-case] [batches, e.g. 1,2,4,8,32] [rounds] [chunk-floats]
//   .build/release/thaw-kernels-bench mobile [seconds-per-case]   (EfficientNet-Lite0's batch-1 1×1 and depthwise kernels, one core)
//   .build/release/thaw-kernels-bench panel [rounds] [row-slab[:p][:kDEPTH],…] [minilm|r50-b1|r50-b32|MxKxN,…]
//       (the AVX2 panel GEMM against one-thread OpenBLAS; see PanelGEMMBench.swift)
//   .build/release/thaw-kernels-bench panel-tiles [rounds] [b,s96,t65536,…] [minilm|r50-b1|r50-b32|lite0-train|all]
//       (the same on the tiles PanelLinear and ConvTiles issue; see PanelTilesBench.swift)
//   .build/release/thaw-kernels-bench window [rounds] [blockFloats[:p][s][h][l],…]
//       (the AVX2 window kernel's quarter blocks and run pieces on ResNet-50 batch-1 tiles; see WindowGEMMBench.swift)
//   .build/release/thaw-kernels-bench attention [rounds]
//       (MiniLM's batch-32 attention core: probabilities kept, scores in scratch, sgemm zeroing; AttentionCoreBench.swift)
//   .build/release/thaw-kernels-bench gelu [rounds]
//       (the AVX2 GELU over ffn-up row segments, one chain against passes, and a softmax row of 128; GELUBench.swift)
//
// `winograd`: the ResNet 3×3 stride-1 shapes through im2col and through Winograd F(4×4, 3×3), alternating
// per shape; GFLOP/s counts the direct convolution's FLOPs for both (what `WinogradChoice.pays` is tuned on).
//
// Prints one line per case: median time, GFLOP/s (2·MACs) and GB/s (input + output bytes once).
import Dispatch
import Foundation
import ThawBLAS
import ThawKernels

let winogradMode = CommandLine.arguments.dropFirst().first == "winograd"
let mobileMode = CommandLine.arguments.dropFirst().first == "mobile"
let panelMode = CommandLine.arguments.dropFirst().first == "panel"
let panelTilesMode = CommandLine.arguments.dropFirst().first == "panel-tiles"
let windowMode = CommandLine.arguments.dropFirst().first == "window"
let attentionMode = CommandLine.arguments.dropFirst().first == "attention"
let geluMode = CommandLine.arguments.dropFirst().first == "gelu"
let numbers = Array(CommandLine.arguments.dropFirst(winogradMode || mobileMode || panelMode || panelTilesMode || windowMode || attentionMode || geluMode ? 2 : 1))
let seconds = numbers.first.flatMap(Double.init) ?? 2
/// im2col budget in floats (second argument; default: the Workspace default).
let budget = !winogradMode && numbers.count > 1 ? Int(numbers[1]) : nil
let rounds = winogradMode && numbers.count > 2 ? Int(numbers[2]) ?? 3 : 3
let info = try BLAS.load()
print("# thaw  OpenBLAS \(info.corename), \(info.threads) threads, \(ProcessInfo.processInfo.activeProcessorCount) cores")

func filled(_ count: Int, _ seed: Int) -> [Float] {
    var s = UInt32(truncatingIfNeeded: seed &* 2654435761 &+ 1)
    return (0..<count).map { _ in s = s &* 1664525 &+ 1013904223; return Float(s >> 8) / Float(1 << 24) - 0.5 }
}

/// Process CPU seconds (all threads) per call of the last `time` — less sensitive than wall
/// time to other load on a shared machine, but it counts OpenBLAS's spin-waiting threads.
var lastCPUSeconds = 0.0

/// Median seconds of `body` over repetitions filling about `seconds` (after one warm-up).
func time(_ body: () -> Void) -> Double {
    body()
    var runs: [Double] = []
    let start = DispatchTime.now().uptimeNanoseconds
    let cpu0 = clock()
    repeat {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        runs.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    } while Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds || runs.count < 3
    lastCPUSeconds = Double(clock() - cpu0) / Double(CLOCKS_PER_SEC) / Double(runs.count)
    return runs.sorted()[runs.count / 2]
}

func report(_ name: String, _ t: Double, flops: Double, bytes: Double) {
    print(String(format: "thaw  %-28@ %8.3f ms %8.1f GFLOP/s %7.1f GB/s  (cpu %.1f ms)", name as NSString, t * 1e3,
                 flops / t / 1e9, bytes / t / 1e9, lastCPUSeconds * 1e3))
}

func benchConv(_ name: String, n: Int, h: Int, w: Int, cin: Int, cout: Int, k: Int) {
    let shape = Conv2DShape(inChannels: cin, outChannels: cout, kernel: k, padding: .symmetric(k / 2))
    let conv = Conv2D(shape: shape, oihw: filled(cout * cin * k * k, 1), bias: filled(cout, 2))
    let x = filled(n * h * w * cin, 3)
    var y = [Float](repeating: 0, count: n * h * w * cout)
    let ws = budget.map { Workspace(im2colBudget: $0) } ?? Workspace()
    let t = time {
        ws.reset()
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { _ = conv.forward(xb.baseAddress!, batch: n, height: h, width: w, into: $0.baseAddress!, workspace: ws) }
        }
    }
    report(name, t, flops: 2.0 * Double(n * h * w * cout * cin * k * k), bytes: 4.0 * Double(x.count + y.count))
}

/// The sgemm calls alone of the conv above (same chunking, lowered input reused): how much of
/// the convolution's time is the GEMM.
func benchGEMMPart(_ name: String, n: Int, h: Int, w: Int, cin: Int, cout: Int, k: Int) {
    let rows = n * h * w, depth = k * k * cin
    let maxRows = max(1, (budget ?? Workspace().im2colBudget) / depth)
    let chunks = (rows + maxRows - 1) / maxRows, per = (rows + chunks - 1) / chunks
    let a = filled(per * depth, 7), b = filled(depth * cout, 8)
    var c = [Float](repeating: 0, count: rows * cout)
    let t = time {
        a.withUnsafeBufferPointer { ab in
            b.withUnsafeBufferPointer { bb in
                c.withUnsafeMutableBufferPointer { cb in
                    var r0 = 0
                    while r0 < rows {
                        let m = min(per, rows - r0)
                        BLAS.sgemm(m: m, n: cout, k: depth, a: ab.baseAddress!, lda: depth, b: bb.baseAddress!, ldb: cout,
                                   c: cb.baseAddress! + r0 * cout, ldc: cout)
                        r0 += m
                    }
                }
            }
        }
    }
    report(name, t, flops: 2.0 * Double(rows * cout * depth), bytes: 0)
}

func benchDepthwise(_ name: String, n: Int, h: Int, w: Int, c: Int, k: Int, stride: Int) {
    let dw = DepthwiseConv2D(channels: c, kernel: k, stride: stride, padding: .same, weightCHW: filled(c * k * k, 4),
                             bias: filled(c, 5), activation: .relu6)
    let geo = dw.geometry(height: h, width: w)
    let x = filled(n * h * w * c, 6)
    var y = [Float](repeating: 0, count: n * geo.outPixels * c)
    let t = time {
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { _ = dw.forward(xb.baseAddress!, batch: n, height: h, width: w, into: $0.baseAddress!) }
        }
    }
    report(name, t, flops: 2.0 * Double(y.count * k * k), bytes: 4.0 * Double(x.count + y.count))
}

/// im2col against Winograd on one 3×3 stride-1 pad-1 shape (bias + ReLU, as in ResNet), `rounds` rounds
/// alternating; the best time of each (the machine is shared: the minimum is the least disturbed run).
func benchWinograd(n: Int, h: Int, c: Int) {
    let shape = Conv2DShape(inChannels: c, outChannels: c, kernel: 3, padding: .symmetric(1))
    let conv = Conv2D(shape: shape, oihw: filled(c * c * 9, 1), bias: filled(c, 2), activation: .relu).preparingWinograd()
    let x = filled(n * h * h * c, 3)
    var y = [Float](repeating: 0, count: n * h * h * c)
    let ws = Workspace()
    var best: [WinogradChoice.Policy: Double] = [:]
    for _ in 0..<rounds {
        for policy in [WinogradChoice.Policy.never, .always] {
            WinogradChoice.policy = policy
            let t = time {
                ws.reset()
                x.withUnsafeBufferPointer { xb in
                    y.withUnsafeMutableBufferPointer { _ = conv.forward(xb.baseAddress!, batch: n, height: h, width: h, into: $0.baseAddress!, workspace: ws) }
                }
            }
            best[policy] = min(best[policy] ?? .infinity, t)
        }
    }
    WinogradChoice.policy = .automatic
    let flops = 2.0 * Double(n * h * h * c * c * 9)
    let (i, wg) = (best[.never]!, best[.always]!)
    print(String(format: "thaw  3x3 %3d->%3d %3dx%-3d b%-3d im2col %8.3f ms %6.1f GFLOP/s  winograd %8.3f ms %6.1f GFLOP/s  speed-up %.2f  auto %@",
                 c, c, h, h, n, i * 1e3, flops / i / 1e9, wg * 1e3, flops / wg / 1e9, i / wg,
                 WinogradChoice.pays(batch: n, outHeight: h, outWidth: h, inChannels: c, outChannels: c) ? "winograd" : "im2col"))
}

if panelTilesMode {
    benchPanelTiles(rounds: numbers.first.flatMap(Int.init) ?? 5,
                    variants: (numbers.count > 1 ? numbers[1] : "b").split(separator: ",").map(String.init),
                    group: numbers.count > 2 ? numbers[2] : "all")
    exit(0)
}
if geluMode {
    benchGELU(rounds: numbers.first.flatMap(Int.init) ?? 9)
    exit(0)
}
if attentionMode {
    benchAttentionCore(rounds: numbers.first.flatMap(Int.init) ?? 9)
    exit(0)
}

if panelMode {
    let parse = { (s: Substring) in s == "max" ? Int.max : s == "auto" ? 0 : Int(s)! }
    let variants = (numbers.count > 1 ? numbers[1] : "max,max:k1024,auto:p:k1024").split(separator: ",").map { pair in
        let parts = pair.split(separator: ":")
        let depth = parts.first { $0.hasPrefix("k") }.map { parse($0.dropFirst()) } ?? .max
        return (parse(parts[0]), parts.contains("p"), depth)
    }
    benchPanelGEMM(rounds: numbers.first.flatMap(Int.init) ?? 5, variants: variants, shapes: numbers.count > 2 ? numbers[2] : nil)
    exit(0)
}
if windowMode {
    let variants = (numbers.count > 1 ? numbers[1] : "0,8192,8192:p,4096:p").split(separator: ",").map { v in
        let parts = v.split(separator: ":"), flags = parts.count > 1 ? parts[1] : ""
        return WindowVariant(blockFloats: Int(parts[0])!, pieces: flags.contains("p"), strips: flags.contains("s"),
                             shared: flags.contains("h"), stripLeftovers: flags.contains("l"), inOrder: flags.contains("o"))
    }
    benchWindowGEMM(rounds: numbers.first.flatMap(Int.init) ?? 5, variants: variants)
    exit(0)
}
if mobileMode {
    benchMobileKernels(seconds: numbers.first.flatMap(Double.init) ?? 1)
    exit(0)
}
if winogradMode {
    let batches = numbers.count > 1 ? numbers[1].split(separator: ",").compactMap { Int($0) } : [1, 2, 4, 8, 32]
    if numbers.count > 3, let c = Int(numbers[3]) { WinogradChoice.chunkFloats = c }
    print("# Winograd chunk \(WinogradChoice.chunkFloats) floats, \(rounds) rounds alternating, best of each")
    for n in batches {
        for (h, c) in [(56, 64), (28, 128), (14, 256), (7, 512)] { benchWinograd(n: n, h: h, c: c) }
    }
    exit(0)
}

benchConv("conv3x3 64->64 56x56 b16", n: 16, h: 56, w: 56, cin: 64, cout: 64, k: 3)
benchGEMMPart("  its sgemm calls alone", n: 16, h: 56, w: 56, cin: 64, cout: 64, k: 3)
benchConv("conv1x1 96->24 56x56 b16", n: 16, h: 56, w: 56, cin: 96, cout: 24, k: 1)
benchDepthwise("dw3x3 s1 112x112x32 b16", n: 16, h: 112, w: 112, c: 32, k: 3, stride: 1)
benchDepthwise("dw5x5 s2 56x56x144 b16", n: 16, h: 56, w: 56, c: 144, k: 5, stride: 2)
