import Foundation
import ThawBLAS
import ThawKernels
import ThawKernelsAVX2

/// `thaw-kernels-bench panel-tiles [rounds] [variants] [minilm|r50-b1|r50-b32|lite0-train|all]`: the AVX2 panel GEMM on the tiles
/// its callers issue — `PanelLinear.grid` for MiniLM b32's linears (M 4096, K passes of `PanelLinear.kBlock`),
/// `ConvTiles.grid` for ResNet-50's 1×1 convolutions at batch 1 and 32 (bias + ReLU) — every tile of one GEMM in turn
/// on one thread (what the two cores share), against one-thread `cblas_sgemm` of the same whole GEMM.
///
/// `variants`: comma-separated, each colon-separated settings applied before its runs (and reset after):
/// `s<rows>` `AVX2Kernels.panelRowSlab` (`s0`: automatic), `p` prefetch, `k<K>` `panelDepthBlock`, `t<floats>`
/// `ConvTiles.tileFloats` (the grid), `r<rows>` `panelStripRows` (contiguous strips for calls of ≥ rows; `r0` off),
/// `l` weights laid out as strips at load (`PanelStrips`, read in place: no per-call copy; in a Swift array, 16-byte
/// aligned), `a` the same strips on a 64-byte boundary,
/// `e` an epilogue call per row (`panelInlineEnds` off), `b` the base settings. The first is the reference every other must equal bit for bit. Times: the thread's CPU
/// seconds, median over rounds; ratios per round, then the median.
func benchPanelTiles(rounds: Int, variants: [String], group: String) {
    let bert = [(384, 1152), (384, 384), (384, 1536), (1536, 384)].map { ("minilm", 4096, $0.0, $0.1) }
    let resnet = [(3136, 64, 64), (3136, 64, 256), (3136, 256, 64), (3136, 256, 128), (784, 128, 512), (784, 512, 128),
                  (784, 512, 256), (196, 256, 1024), (196, 1024, 256), (196, 1024, 512), (49, 512, 2048), (49, 2048, 512)]
    // Lite0 fine-tuning's 1×1 GEMMs (`TrainingPointwise`, chunk 32 of 7×7 maps): forward and input gradient.
    let train = [(192, 1152), (1152, 192), (320, 1280), (1280, 320)].map { ("lite0-train", 1568, $0.0, $0.1) }
    var shapes = bert + resnet.map { ("r50-b1", $0.0, $0.1, $0.2) } + resnet.map { ("r50-b32", $0.0 * 32, $0.1, $0.2) } + train
    if group != "all" { shapes = shapes.filter { $0.0 == group } }
    let base = (AVX2Kernels.panelRowSlab, AVX2Kernels.panelPrefetchRows, AVX2Kernels.panelDepthBlock, ConvTiles.tileFloats,
                AVX2Kernels.panelStripRows, AVX2Kernels.panelInlineEnds)
    var stripsAtLoad = false, aligned = false
    func apply(_ v: String) {
        (AVX2Kernels.panelRowSlab, AVX2Kernels.panelPrefetchRows, AVX2Kernels.panelDepthBlock, ConvTiles.tileFloats,
         AVX2Kernels.panelStripRows, AVX2Kernels.panelInlineEnds) = base
        stripsAtLoad = false
        aligned = false
        for s in v.split(separator: ":") {
            let n = Int(s.dropFirst()) ?? 0
            switch s.first {
            case "s": AVX2Kernels.panelRowSlab = n
            case "p": AVX2Kernels.panelPrefetchRows = true
            case "k": AVX2Kernels.panelDepthBlock = n == 0 ? .max : n
            case "t": ConvTiles.tileFloats = n
            case "r": AVX2Kernels.panelStripRows = n == 0 ? .max : n
            case "l": stripsAtLoad = true
            case "a": stripsAtLoad = true; aligned = true
            case "e": AVX2Kernels.panelInlineEnds = false
            default: break
            }
        }
    }
    print("# panel GEMM on the callers' tiles, one thread, \(rounds) rounds alternating; GFLOP per CPU-second (thread CPU time)")
    print("# load \((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?")")
    for (tag, m, k, n) in shapes {
        let linear = tag == "minilm"
        let a = filled(m * k, 11), bRows = filled(k * n, 12), bias = filled(n, 13)
        let packed = packedPanels(bRows, k: k, n: n)
        var strips = packed
        PanelStrips.restripe(&strips, k: k)
        let alignedStrips = UnsafeMutableRawPointer.allocate(byteCount: strips.count * 4, alignment: 64).assumingMemoryBound(to: Float.self)
        alignedStrips.initialize(from: strips, count: strips.count)
        defer { alignedStrips.deallocate() }
        var c = [Float](repeating: 0, count: m * n), reference = [Float]()
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        let calls = max(1, Int(2e8 / flops))
        func timed(_ body: () -> Void) -> Double { medianCPUPerCall(calls: calls, body) }
        var tileText = ""
        func runTiles() {
            let grid = linear ? PanelLinear.grid(m: m, n: n, cores: 2) : ConvTiles.grid(m: m, n: n, cores: 2, align: 64)
            tileText = "\(grid.rowTiles)×\(grid.columnTiles) tiles of \(grid.rows(0).count)×\(grid.columns(0).count)"
            a.withUnsafeBufferPointer { ab in (stripsAtLoad ? strips : packed).withUnsafeBufferPointer { pb0 in bias.withUnsafeBufferPointer { bb in
                let pb = UnsafeBufferPointer(start: aligned ? UnsafePointer(alignedStrips) : pb0.baseAddress!, count: pb0.count)
                c.withUnsafeMutableBufferPointer { cb in
                    for t in 0..<grid.count {
                        let rr = grid.rows(t), cc = grid.columns(t)
                        AVX2Kernels.panelGEMM(rows: rr.count, k: k, a: ab.baseAddress! + rr.lowerBound * k, lda: k,
                                              packed: pb.baseAddress!, panels: (cc.lowerBound / 64)..<(cc.upperBound / 64),
                                              c: cb.baseAddress! + rr.lowerBound * n, ldc: n, bias: bb.baseAddress!,
                                              residual: nil, ldr: 0, low: linear ? -.infinity : 0, high: .infinity,
                                              kBlock: linear ? PanelLinear.kBlock : .max, inStrips: stripsAtLoad)
                    }
                } } } }
        }
        func runBLAS() {
            a.withUnsafeBufferPointer { ab in bRows.withUnsafeBufferPointer { bb in c.withUnsafeMutableBufferPointer { cb in
                BLAS.singleThreaded {
                    BLAS.sgemm(m: m, n: n, k: k, a: ab.baseAddress!, lda: k, b: bb.baseAddress!, ldb: n, c: cb.baseAddress!, ldc: n)
                } } } }
        }
        var blas: [Double] = [], times = [[Double]](repeating: [], count: variants.count), tiles = [String](repeating: "", count: variants.count)
        for _ in 0..<rounds {
            blas.append(timed(runBLAS))
            for (i, v) in variants.enumerated() {
                apply(v)
                times[i].append(timed(runTiles))
                tiles[i] = tileText
                if i == 0 { reference = c } else if c != reference { print("!! variant \(v) differs from \(variants[0])") }
            }
        }
        apply("b")
        func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
        var line = String(format: "%-7@ %6d x %4d x %4d  blas %5.1f", tag as NSString, m, k, n, flops / median(blas) / 1e9)
        for (i, v) in variants.enumerated() {
            let vsBLAS = median(zip(blas, times[i]).map { $0 / $1 })
            let vsFirst = median(zip(times[0], times[i]).map { $0 / $1 })
            line += String(format: " | %@ %5.1f %.2f×blas %.3f×first", v as NSString, flops / median(times[i]) / 1e9, vsBLAS, vsFirst)
        }
        print(line + "  [" + Set(tiles).sorted().joined(separator: "; ") + "]")
    }
}
