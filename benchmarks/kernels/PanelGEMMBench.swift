import Foundation
import ThawBLAS
import ThawKernelsAVX2

/// `thaw-kernels-bench panel [rounds] [variants]`: the AVX2 panel GEMM (`AVX2Kernels.panelGEMM`, one thread) against
/// single-threaded OpenBLAS sgemm on the MiniLM and ResNet-50 1×1 shapes, rounds alternating in one process.
/// `variants` lists `rowSlab[:p][:kDEPTH]` (e.g. `max,max:p,auto:p,192:p`; default `max,max:k1024,auto:p:k1024`: before, now, with slabs and prefetch): the kernel's `panelRowSlab` (`auto`: 0), `:p` with
/// `panelPrefetchRows`, `:k384` with `panelDepthBlock` 384; the first is the reference every other must equal bit for bit.
/// Times are the calling thread's CPU seconds (CLOCK_THREAD_CPUTIME_ID: other load on the machine counts less), the
/// median over rounds of each round's median; ratios are per round, then the median.
func benchPanelGEMM(rounds: Int, variants: [(Int, Bool, Int)], shapes only: String?) {
    let bert = [(4096, 384, 384), (4096, 384, 1536), (4096, 1536, 384)]
    let resnet = [(3136, 64, 256), (3136, 256, 64), (784, 512, 128), (784, 128, 512), (196, 1024, 256), (196, 256, 1024),
                  (49, 2048, 512), (49, 512, 2048)]
    var shapes: [(String, Int, Int, Int)] = bert.map { ("minilm", $0.0, $0.1, $0.2) }
    shapes += resnet.map { ("r50-b1", $0.0, $0.1, $0.2) } + resnet.map { ("r50-b32", $0.0 * 32, $0.1, $0.2) }
    if let only, only.contains("x") {    // explicit shapes: MxKxN,MxKxN…
        shapes = only.split(separator: ",").map { let d = $0.split(separator: "x").map { Int($0)! }; return ("shape", d[0], d[1], d[2]) }
    } else if let only { shapes = shapes.filter { $0.0 == only } }
    print("# panel GEMM, one thread, \(rounds) rounds alternating; GFLOP per CPU-second (thread CPU time); variants row-slab[:p prefetch][:k K block]")
    print("# load \((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?")")
    for (tag, m, k, n) in shapes {
        let a = filled(m * k, 11), bRows = filled(k * n, 12), bias = filled(n, 13)
        let packed = packedPanels(bRows, k: k, n: n)
        var c = [Float](repeating: 0, count: m * n), reference = [Float]()
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        let calls = max(1, Int(2e8 / flops))    // ≈ 0.1 s of work per timed run at ≈ 90 GFLOP/s... at least one call
        func timed(_ body: () -> Void) -> Double { medianCPUPerCall(calls: calls, body) }
        func runPanel() {
            a.withUnsafeBufferPointer { ab in packed.withUnsafeBufferPointer { pb in bias.withUnsafeBufferPointer { bb in
                c.withUnsafeMutableBufferPointer { cb in
                    AVX2Kernels.panelGEMM(rows: m, k: k, a: ab.baseAddress!, lda: k, packed: pb.baseAddress!, panels: 0..<(n / 64),
                                          c: cb.baseAddress!, ldc: n, bias: bb.baseAddress!, residual: nil, ldr: 0, low: 0, high: .infinity)
                } } } }
        }
        func runBLAS() {
            a.withUnsafeBufferPointer { ab in bRows.withUnsafeBufferPointer { bb in c.withUnsafeMutableBufferPointer { cb in
                BLAS.singleThreaded {
                    BLAS.sgemm(m: m, n: n, k: k, a: ab.baseAddress!, lda: k, b: bb.baseAddress!, ldb: n, c: cb.baseAddress!, ldc: n)
                } } } }
        }
        var blas: [Double] = [], times = [[Double]](repeating: [], count: variants.count)
        for _ in 0..<rounds {
            blas.append(timed(runBLAS))
            for (i, v) in variants.enumerated() {
                (AVX2Kernels.panelRowSlab, AVX2Kernels.panelPrefetchRows, AVX2Kernels.panelDepthBlock) = v
                times[i].append(timed(runPanel))
                if i == 0 { reference = c } else if c != reference { print("!! variant \(v) differs from \(variants[0])") }
            }
        }
        (AVX2Kernels.panelRowSlab, AVX2Kernels.panelPrefetchRows, AVX2Kernels.panelDepthBlock) = (.max, false, 1024)
        func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
        var line = String(format: "%-7@ %6d x %4d x %4d  blas %6.1f", tag as NSString, m, k, n, flops / median(blas) / 1e9)
        for (i, v) in variants.enumerated() {
            let name = "\(v.0 == .max ? "max" : v.0 == 0 ? "auto" : String(v.0))\(v.1 ? ":p" : "")\(v.2 == .max ? "" : ":k\(v.2)")"
            let vsBLAS = median(zip(blas, times[i]).map { $0 / $1 })
            let vsFirst = median(zip(times[0], times[i]).map { $0 / $1 })
            line += String(format: "  %@ %6.1f (%.2f×blas, %.3f×first)", name as NSString, flops / median(times[i]) / 1e9, vsBLAS, vsFirst)
        }
        print(line)
    }
}
