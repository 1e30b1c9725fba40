import Dispatch
import Foundation
import ThawKernelsAVX2

/// `thaw-kernels-bench gelu [rounds]`: the AVX2 GELU on one core over an ffn-up tile's row segments (8 rows × 512 of a
/// [8, 1536] output, 48 KB, as `PanelLinear` calls it per row after a tile), one dependent chain per vector
/// (`geluInOneChain`) against the passes (`geluInRuns`), alternating per round; and softmax rows of 128 (MiniLM's
/// attention). Prints the median thread-CPU ns per element and per-round ratios; checks both GELUs give the same bits.
func benchGELU(rounds: Int) {
    let (rows, width, segment) = (8, 1536, 512)
    let x = filled(rows * width, 7).map { $0 * 8 }                 // ≈ [−4, 4): ffn-up's range
    var y = [Float](repeating: 0, count: rows * width), reference = y
    let variants: [(String, (UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>) -> Void)] = [
        ("one chain", { AVX2Kernels.geluInOneChain(x: $0, count: $1, y: $2) }),
        ("in passes", { AVX2Kernels.geluInRuns(x: $0, count: $1, y: $2) })]
    func tile(_ f: (UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>) -> Void, into out: inout [Float],
              segment: Int = segment) {
        x.withUnsafeBufferPointer { xb in out.withUnsafeMutableBufferPointer { yb in
            for r in 0..<rows {
                for c in stride(from: 0, to: width, by: segment) { f(xb.baseAddress! + r * width + c, segment, yb.baseAddress! + r * width + c) }
            }
        } }
    }
    tile(variants[0].1, into: &reference)
    tile(variants[1].1, into: &y)
    precondition(zip(reference, y).allSatisfy { $0.bitPattern == $1.bitPattern }, "gelu: the passes' floats differ")
    let calls = 200
    var perElement: [[Double]] = [[], []]
    for round in 0..<rounds * 2 {
        let v = round % 2
        let ns = medianCPUPerCall(calls: calls) { tile(variants[v].1, into: &y) } * 1e9 / Double(rows * width)
        perElement[v].append(ns)
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
    let ratios = zip(perElement[0], perElement[1]).map { $0 / $1 }
    // The panel GEMM's GELU (`PanelLinear.geluInGEMM`) calls the passes per block row of one 64-column panel.
    let panelRows = medianCPUPerCall(calls: calls) { tile(variants[1].1, into: &y, segment: 64) } * 1e9 / Double(rows * width)
    // … and per block of 6 rows × 64 in one call (`geluInRows`, what the GEMM calls).
    let panelBlocks = medianCPUPerCall(calls: calls) {
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in
            for c in stride(from: 0, to: width, by: 64) {
                for r in stride(from: 0, to: rows, by: 6) {
                    let h = min(6, rows - r)
                    for i in 0..<h { for j in 0..<64 { yb[(r + i) * width + c + j] = xb[(r + i) * width + c + j] } }
                    AVX2Kernels.geluInRows(yb.baseAddress! + r * width + c, rows: h, count: 64, ldc: width)
                }
            }
        } }
    } * 1e9 / Double(rows * width)
    let copyOnly = medianCPUPerCall(calls: calls) {
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in
            for c in stride(from: 0, to: width, by: 64) {
                for r in stride(from: 0, to: rows, by: 6) {
                    let h = min(6, rows - r)
                    for i in 0..<h { for j in 0..<64 { yb[(r + i) * width + c + j] = xb[(r + i) * width + c + j] } }
                }
            }
        } }
    } * 1e9 / Double(rows * width)
    for v in 0..<2 {
        print(String(format: "gelu %@: %.3f ns per element (thread CPU, median of %d rounds)", variants[v].0 as NSString,
                     median(perElement[v]), rounds))
    }
    print(String(format: "gelu in passes, calls of one 64-float row: %.3f ns per element; blocks of 6 rows × 64 in one call (geluInRows, in place after a copy): %.3f − the copy alone %.3f = %.3f",
                 panelRows, panelBlocks, copyOnly, panelBlocks - copyOnly))
    print(String(format: "gelu one chain / in passes per round: median %.3f (min %.3f max %.3f); load %@", median(ratios),
                 ratios.min()!, ratios.max()!, String(load) as NSString))
    // Softmax rows of 128 with a mask bias (MiniLM's attention): 64 rows of scores (32 KB) refilled before each call.
    let scores = filled(64 * 128, 9).map { $0 * 10 }, bias = (0..<128).map { $0 >= 100 ? Float(-10_000) : 0 }
    var rowsIn = scores
    let softmaxVariants = [false, true]
    func softmaxRows(_ passes: Bool, into out: inout [Float]) {
        AVX2Kernels.softmaxInPasses = passes
        out = scores
        out.withUnsafeMutableBufferPointer { o in bias.withUnsafeBufferPointer { b in
            for r in 0..<64 { AVX2Kernels.softmaxRow(o.baseAddress! + r * 128, count: 128, adding: b.baseAddress!) }
        } }
    }
    var softmaxReference = scores
    softmaxRows(false, into: &softmaxReference)
    softmaxRows(true, into: &rowsIn)
    precondition(zip(softmaxReference, rowsIn).allSatisfy { $0.bitPattern == $1.bitPattern }, "softmax: the passes' floats differ")
    var softmaxPerElement: [[Double]] = [[], []]
    for round in 0..<rounds * 2 {
        let v = round % 2
        softmaxPerElement[v].append(medianCPUPerCall(calls: 100) { softmaxRows(softmaxVariants[v], into: &rowsIn) } * 1e9 / Double(64 * 128))
    }
    AVX2Kernels.softmaxInPasses = true
    let softmaxRatios = zip(softmaxPerElement[0], softmaxPerElement[1]).map { $0 / $1 }
    print(String(format: "softmax rows of 128 with a mask (+ the refill copy): one chain %.3f, in passes %.3f ns per element; per round median %.3f (min %.3f max %.3f); load %@",
                 median(softmaxPerElement[0]), median(softmaxPerElement[1]), median(softmaxRatios), softmaxRatios.min()!,
                 softmaxRatios.max()!, String(load) as NSString))
}
