import Dispatch
import Foundation
import ThawKernels

/// `thaw-kernels-bench attention [rounds]`: `SelfAttention.core` at all-MiniLM-L6-v2's batch-32 shape (32 × 128 tokens,
/// 12 heads of 32, Q|K|V read in place with row stride 3C, the last 28 keys of every other sentence padded) on both
/// cores, three ways alternating per round: scores in [B, H, T, T] probabilities (the training form), in a per-worker
/// scratch (`scoresInScratch`, the inference default), and in scratch with sgemm zeroing the outputs (beta = 0, `zeroesOutputs` off; every variant but that one zeroes them itself).
/// Prints the median wall and CPU ms per call of each and the per-round ratios against the first.
func benchAttentionCore(rounds: Int) {
    let (batch, t, h, d) = (32, 128, 12, 32)
    let c = h * d
    var state: UInt32 = 99
    let qkv = (0..<batch * t * 3 * c).map { (_: Int) -> Float in
        state = state &* 1664525 &+ 1013904223
        return (Float(state >> 8) / Float(1 << 24) - 0.5) * 2
    }
    let mask = (0..<batch * t).map { (i: Int) -> Int32 in (i / t) % 2 == 1 && i % t >= 100 ? 0 : 1 }
    var probs = [Float](repeating: 0, count: batch * h * t * t)
    var ctx = [Float](repeating: 0, count: batch * t * c)
    let names = ["probabilities kept", "scores in scratch", "scratch, sgemm's beta = 0"]
    var wall: [[Double]] = [[], [], []], cpu: [[Double]] = [[], [], []]
    for round in 0..<rounds * 3 {
        let variant = round % 3
        SelfAttention.scoresInScratch = variant >= 1
        SelfAttention.zeroesOutputs = variant != 2
        let calls = 5
        let t0 = DispatchTime.now().uptimeNanoseconds, c0 = processCPUSeconds()
        for _ in 0..<calls {
            qkv.withUnsafeBufferPointer { qb in mask.withUnsafeBufferPointer { mb in
                probs.withUnsafeMutableBufferPointer { pb in ctx.withUnsafeMutableBufferPointer {
                    let q = qb.baseAddress!
                    SelfAttention.core(q: q, k: q + c, v: q + 2 * c, ld: 3 * c, mask: mb.baseAddress!, batch: batch, length: t,
                                       heads: h, probs: pb.baseAddress!, context: $0.baseAddress!, channels: c,
                                       keepsProbabilities: variant == 0)
                } }
            } }
        }
        wall[variant].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(calls))
        cpu[variant].append((processCPUSeconds() - c0) * 1e3 / Double(calls))
    }
    SelfAttention.scoresInScratch = true
    SelfAttention.zeroesOutputs = true
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
    for v in 0..<3 {
        let ratios = zip(cpu[0], cpu[v]).map { $0 / $1 }
        print(String(format: "attention core, %@: wall %.2f ms, cpu %.2f ms per call | cpu ratio kept/this per round median %.3f (min %.3f max %.3f); load %@",
                     names[v] as NSString, median(wall[v]), median(cpu[v]), median(ratios), ratios.min()!, ratios.max()!,
                     String(load) as NSString))
    }
}

/// CPU seconds of all threads of this process.
private func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
