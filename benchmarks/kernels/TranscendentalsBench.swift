import Dispatch
import Foundation
import ThawKernelsAVX2

/// `thaw-kernels-bench transcendentals [rounds] [floats]`: the AVX2 GELU (in place over `floats`, default 16,384 — in L1/L2,
/// as on a GEMM tile) and MiniLM's softmax rows (128 × 128 scores with a padding mask) on one core, with
/// `AVX2Kernels.wideLanes` on and off alternating per round; ns per element, medians and per-round ratios.
func benchTranscendentals(rounds: Int, floats: Int) {
    var x = (0..<floats).map { (i: Int) -> Float in Float(i % 2001) / 200 - 5 }          // −5 … 5: FFN-up outputs' range
    let source = x
    var scores = (0..<128 * 128).map { (i: Int) -> Float in Float((i * 7919) % 1000) / 100 - 5 }
    let scoreSource = scores
    let mask = (0..<128).map { (j: Int) -> Float in j < 100 ? 0 : -Float.greatestFiniteMagnitude }
    func nanoseconds(_ body: () -> Void) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0)
    }
    var gelu: [[Double]] = [[], []], softmax: [[Double]] = [[], []]
    for round in 0..<2 * rounds {
        let wide = round % 2 == 0
        AVX2Kernels.wideLanes = wide
        let repeats = max(1, 4_000_000 / floats)
        let g = nanoseconds {
            for _ in 0..<repeats {
                x.withUnsafeMutableBufferPointer { AVX2Kernels.gelu(x: $0.baseAddress!, count: floats, y: $0.baseAddress!) }
                x.withUnsafeMutableBufferPointer { b in source.withUnsafeBufferPointer { b.baseAddress!.update(from: $0.baseAddress!, count: floats) } }
            }
        }
        let s = nanoseconds {
            for _ in 0..<200 {
                scores.withUnsafeMutableBufferPointer { b in
                    mask.withUnsafeBufferPointer { m in
                        for r in 0..<128 { AVX2Kernels.softmaxRow(b.baseAddress! + r * 128, count: 128, adding: m.baseAddress!) }
                    }
                    scoreSource.withUnsafeBufferPointer { b.baseAddress!.update(from: $0.baseAddress!, count: 128 * 128) }
                }
            }
        }
        gelu[wide ? 0 : 1].append(g / Double(repeats * floats))
        softmax[wide ? 0 : 1].append(s / Double(200 * 128 * 128))
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
    for (name, t) in [("gelu", gelu), ("softmax rows", softmax)] {
        let ratios = zip(t[1], t[0]).map { $0 / $1 }
        print(String(format: "%@: four in step %.3f ns/element, one %.3f | one/four median per round %.3f (min %.3f max %.3f); load %@",
                     name as NSString, median(t[0]), median(t[1]), median(ratios), ratios.min()!, ratios.max()!, String(load) as NSString))
    }
}
