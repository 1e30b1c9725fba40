import Dispatch
import Foundation
import ThawBLAS
import ThawCore
import ThawKernels
import ThawKernelsAVX2

/// `--dw[=R]`: the 1×1 weight gradient dW += xᵀ·dy of Lite0's four shapes at chunk 32 (M = 1,568 pixels) on ONE
/// thread, R rounds, the paths alternating inside each round (order reversed every other round): the AVX2 kernel on
/// packed operands (`AVX2Kernels.weightGradientPacked`) and the same kernel reading x and dy in place, each over the
/// tiles `TrainingPointwise` cuts for two cores (`ConvTiles.grid`) one after another, one single-threaded OpenBLAS
/// call, and the packed tiles prefetching each block's dw lines (`AVX2Kernels.weightGradientPrefetchOut`, the default;
/// `packed` runs without). Timed by the calling thread's CPU clock (no other thread runs, so neither OpenBLAS's
/// spinning workers nor the other tenants of the machine enter it) and the wall clock. Prints medians and the median
/// per-round ratio of CPU times.
func weightGradientRounds(rounds: Int, loadAverage: () -> String) {
    let m = 32 * 49
    let convs = [(192, 1152), (1152, 192), (1152, 320), (320, 1280)]
    var g = SplitMix64(seed: 11)
    func threadCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
    func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
    let paths = ["packed", "in-place", "openblas-1thread", "packed-prefetch-dw"]
    print("dW += xᵀ·dy on one thread, M = \(m), \(rounds) rounds, BLAS kernel \((try? BLAS.load().corename) ?? "?"); load \(loadAverage())")
    let saved = (AVX2Kernels.weightGradientPacked, AVX2Kernels.weightGradientPrefetchOut)
    defer { (AVX2Kernels.weightGradientPacked, AVX2Kernels.weightGradientPrefetchOut) = saved }
    for (cin, cout) in convs {
        let x = (0..<(m * cin)).map { _ in g.nextNormal() }, dy = (0..<(m * cout)).map { _ in g.nextNormal() }
        var dw = [Float](repeating: 0, count: cin * cout)
        let flops = 2.0 * Double(m * cin * cout)
        let grid = ConvTiles.grid(m: cin, n: cout, cores: 2, align: 64)
        var cpu = [[Double]](repeating: [], count: paths.count), wall = cpu
        for r in 0..<rounds {
            for p in (r % 2 == 0 ? [0, 1, 2, 3] : [3, 2, 1, 0]) {
                let t0 = DispatchTime.now().uptimeNanoseconds, c0 = threadCPU()
                if p == 2 {
                    BLAS.singleThreaded {
                        BLAS.sgemm(transA: true, m: cin, n: cout, k: m, a: x, lda: cin, b: dy, ldb: cout, beta: 1, c: &dw, ldc: cout)
                    }
                } else {
                    AVX2Kernels.weightGradientPacked = p != 1
                    AVX2Kernels.weightGradientPrefetchOut = p == 3     // `packed` and `in-place` without
                    for t in 0..<grid.count {
                        let cols = grid.columns(t)
                        AVX2Kernels.weightGradient(x: x, ldx: cin, dy: dy, ldy: cout, pixels: m, channels: grid.rows(t),
                                                   panels: (cols.lowerBound / 64)..<(cols.upperBound / 64), dw: &dw, ldw: cout)
                    }
                }
                cpu[p].append(threadCPU() - c0)
                wall[p].append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
            }
        }
        let cells = paths.indices.map { String(format: "%@ %.1f (wall %.1f)", paths[$0], flops / median(cpu[$0]) / 1e9, flops / median(wall[$0]) / 1e9) }
        func ratio(_ a: Int, _ b: Int) -> String {
            let q = zip(cpu[b], cpu[a]).map { $0 / $1 }
            return String(format: "%.3f (%.3f–%.3f)", median(q), q.min()!, q.max()!)
        }
        print("\(cin)→\(cout) (\(grid.rowTiles)×\(grid.columnTiles) tiles) GFLOP per CPU-second: " + cells.joined(separator: "  ")
              + "  | per-round speed-up packed/openblas \(ratio(0, 2)), packed/in-place \(ratio(0, 1)), prefetch-dw/packed \(ratio(3, 0))  load \(loadAverage())")
    }
}
