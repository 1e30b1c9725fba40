import Dispatch
import Foundation
import ThawBLAS
import ThawCore
import ThawKernels

/// `--gemm[=R]`: each 1×1-convolution GEMM of Lite0 blocks 12–15 + conv_head at chunk 32 (M = 32·7·7 = 1,568
/// rows) timed alone, R rounds, the paths alternating inside each round: OpenBLAS one call (its threads),
/// OpenBLAS one thread, OpenBLAS in single-threaded parts over the cores (`SplitGEMM.sgemmParts`) and the
/// AVX-512 (or AVX2) training kernels (`TrainingPointwise`, weights packed beforehand; the packing is timed apart);
/// on AVX2 also dW's tiles reading x and dy in place (`avx2-in-place`) against those on packed operands (`avx2-tiles`).
/// Prints the median GFLOP/s of each path per GEMM — by wall time and per CPU-second of the process (all its
/// threads, spinning included: on the loaded shared machine wall time mostly measures the share of the cores
/// the process got, CPU time what the kernel does with it) — and the load average.
func gemmShapes(rounds: Int, loadAverage: () -> String) {
    let m = 32 * 49
    let convs = [(192, 1152), (1152, 192), (1152, 320), (320, 1280)]   // (Cin, Cout): expand, project, project 15, head
    var g = SplitMix64(seed: 9)
    func random(_ n: Int) -> [Float] { (0..<n).map { _ in g.nextNormal() } }
    func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
    var cpu = 0.0
    func seconds(_ body: () -> Void) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuSeconds()
        body()
        cpu = cpuSeconds() - c0
        return Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
    }
    func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
    print("GEMM shapes, M = \(m) rows (chunk 32 of 7×7 maps), \(rounds) rounds, BLAS kernel \((try? BLAS.load().corename) ?? "?"), "
          + "\(BLAS.threads) BLAS threads, AVX-512 \(VectorISA.avx512), AVX2 kernels \(VectorISA.avx2Kernels); load \(loadAverage())")
    for (cin, cout) in convs {
        let x = random(m * cin), w = random(cin * cout), dy = random(m * cout)
        var y = [Float](repeating: 0, count: m * cout), dx = [Float](repeating: 0, count: m * cin)
        var dw = [Float](repeating: 0, count: cin * cout)
        let shape = Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1)
        let kernel = VectorISA.packedKernels ? TrainingPointwise(shape) : nil
        TrainingKernels.avx2WeightGradient = true     // time the AVX2 dW tiles themselves, not the OpenBLAS default
        var pack = [Double]()
        let flops = 2.0 * Double(m * cin * cout)
        // [gemm][path] seconds
        let gemms = ["forward y = x·W", "input grad dx = dy·Wᵀ", "weight grad dW += xᵀ·dy"]
        let paths = ["openblas", "openblas-1thread", "split-parts", VectorISA.avx512 ? "avx512-tiles" : "avx2-tiles", "avx2-in-place"]
        var times = [[[Double]]](repeating: [[Double]](repeating: [], count: paths.count), count: gemms.count)
        var cpuTimes = times
        for r in 0..<rounds {
            pack.append(seconds { kernel?.prepare(weight: w, version: r) })
            for (gi, _) in gemms.enumerated() {
                let order = r % 2 == 0 ? Array(paths.indices) : Array(paths.indices.reversed())
                for pi in order {
                    if pi >= 3 && kernel == nil { continue }
                    if pi == 4 && (gi != 2 || VectorISA.avx512) { continue }    // dW's AVX2 tiles reading x and dy in place
                    TrainingKernels.avx2PackedWeightGradient = pi != 4
                    let t = seconds {
                        switch (gi, pi) {
                        case (0, 0): BLAS.sgemm(m: m, n: cout, k: cin, a: x, lda: cin, b: w, ldb: cout, c: &y, ldc: cout)
                        case (0, 1): BLAS.singleThreaded { BLAS.sgemm(m: m, n: cout, k: cin, a: x, lda: cin, b: w, ldb: cout, c: &y, ldc: cout) }
                        case (0, 2): SplitGEMM.sgemmParts(m: m, n: cout, k: cin, a: x, lda: cin, b: w, ldb: cout, c: &y, ldc: cout)
                        case (0, _): kernel!.forward(x, rows: m, into: &y)
                        case (1, 0): BLAS.sgemm(transB: true, m: m, n: cin, k: cout, a: dy, lda: cout, b: w, ldb: cout, c: &dx, ldc: cin)
                        case (1, 1): BLAS.singleThreaded { BLAS.sgemm(transB: true, m: m, n: cin, k: cout, a: dy, lda: cout, b: w, ldb: cout, c: &dx, ldc: cin) }
                        case (1, 2): SplitGEMM.sgemmParts(transB: true, m: m, n: cin, k: cout, a: dy, lda: cout, b: w, ldb: cout, c: &dx, ldc: cin)
                        case (1, _): kernel!.inputGradient(dy, rows: m, into: &dx)
                        case (2, 0): BLAS.sgemm(transA: true, m: cin, n: cout, k: m, a: x, lda: cin, b: dy, ldb: cout, beta: 1, c: &dw, ldc: cout)
                        case (2, 1): BLAS.singleThreaded { BLAS.sgemm(transA: true, m: cin, n: cout, k: m, a: x, lda: cin, b: dy, ldb: cout, beta: 1, c: &dw, ldc: cout) }
                        case (2, 2): SplitGEMM.sgemmParts(transA: true, m: cin, n: cout, k: m, a: x, lda: cin, b: dy, ldb: cout, beta: 1, c: &dw, ldc: cout)
                        default: kernel!.weightGradient(x: x, dy: dy, rows: m, into: &dw)
                        }
                    }
                    times[gi][pi].append(t)
                    cpuTimes[gi][pi].append(cpu)
                }
            }
        }
        print("\(cin)→\(cout)  (\(String(format: "%.2f", flops / 1e9)) GFLOP per GEMM; packing W and Wᵀ \(String(format: "%.3f", median(pack) * 1e3)) ms)  load \(loadAverage())")
        for (gi, name) in gemms.enumerated() {
            let cells = paths.indices.map { pi in
                times[gi][pi].isEmpty ? "\(paths[pi]) -"
                    : String(format: "%@ %.0f (%.0f/cpu-s)", paths[pi], flops / median(times[gi][pi]) / 1e9, flops / median(cpuTimes[gi][pi]) / 1e9)
            }
            print("  \(name.padding(toLength: 26, withPad: " ", startingAt: 0)) GFLOP/s: " + cells.joined(separator: "  "))
        }
    }
}
