import Dispatch
import Foundation
import ThawBLAS
import ThawKernels
import ThawKernelsAVX512
import ThawKernelsAVX2

// `thaw-kernels-bench mobile [seconds-per-case]`: the batch-1 kernels of EfficientNet-Lite0 on one core, at
// the shapes the blocks run them — the packed 1×1 kernel (`PackedPointwise`) and the AVX-512 (or AVX2) depthwise rows —
// as the fastest of many calls (on a shared machine the least disturbed run), in GFLOP/s.

/// Fastest seconds of `body` over repetitions filling about `seconds` (after one warm-up).
func fastest(_ seconds: Double, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    let start = DispatchTime.now().uptimeNanoseconds
    repeat {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    } while Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds
    return best
}

/// A 64-byte aligned copy of `values` (deallocate it).
func aligned(_ values: [Float]) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, values.count) * 4, alignment: 64).bindMemory(to: Float.self, capacity: values.count)
    p.initialize(from: values, count: values.count)
    return p
}

func benchMobileKernels(seconds: Double) {
    print("# one core, fastest call (AVX-512 kernels: \(VectorISA.avx512), AVX2 kernels: \(VectorISA.avx2Kernels))")
    func line(_ name: String, _ t: Double, _ flops: Double) {
        print(String(format: "%-48@ %8.2f µs %7.1f GFLOP/s", name as NSString, t * 1e6, flops / t / 1e9))
    }
    // 1×1: (rows, K, N, activation, residual) — Lite0 batch-1 bands (56×56 / 112×112) and phased maps (28, 14, 7).
    let pointwise: [(String, Int, Int, Int, Bool)] = [
        ("b1 expand band 4 rows of 112", 448, 16, 96, false), ("b1 project band 2 rows of 56", 112, 96, 24, false),
        ("b2 expand band 6 rows of 56", 336, 24, 144, false), ("b2 project band 6 rows of 56", 336, 144, 24, true),
        ("b4 expand 28x28", 784, 40, 240, false), ("b4 project 28x28", 784, 240, 40, true),
        ("b9 expand 14x14", 196, 112, 672, false), ("b9 project 14x14", 196, 672, 112, true),
        ("b12 expand 7x7", 49, 192, 1152, false), ("b12 project 7x7", 49, 1152, 192, true),
        ("head 7x7", 49, 320, 1280, false),
    ]
    let avx2 = VectorISA.avx2Kernels
    for (name, rows, k, n, residual) in pointwise {
        let conv = Conv2D(shape: Conv2DShape(inChannels: k, outChannels: n, kernel: 1), oihw: filled(n * k, 1), bias: filled(n, 2),
                          activation: residual ? .identity : .relu6)
        let packed = PackedPointwise(conv)
        let x = filled(rows * k, 3), r = filled(rows * n, 4)
        var y = [Float](repeating: 0, count: rows * n)
        // AVX-512: 32-/16-column tiles, then 16 + 8 / 8-column tiles. Without AVX-512: the AVX2 kernel, then the
        // fallback (OpenBLAS sgemm on one thread + the epilogue pass).
        for variant in [false, true] {
            if VectorISA.avx512 {
                AVX512Kernels.narrowTiles = variant
                if variant && n % 32 != 24 && n % 32 != 8 { continue }
            } else {
                if !VectorISA.avx2Kernels && !variant { continue }
                VectorISA.avx2Kernels = !variant
            }
            let t = fastest(seconds) {
                BLAS.singleThreaded {
                    x.withUnsafeBufferPointer { xb in
                        r.withUnsafeBufferPointer { rb in
                            y.withUnsafeMutableBufferPointer { packed.forward(xb.baseAddress!, rows: rows, residual: residual ? rb.baseAddress! : nil, into: $0.baseAddress!) }
                        }
                    }
                }
            }
            let label = VectorISA.avx512 ? (variant ? " narrow tiles" : "") : variant ? " BLAS fallback" : " AVX2"
            line("1x1 \(name) \(rows)x\(k)->\(n)\(label)", t, 2.0 * Double(rows * k * n))
        }
        VectorISA.avx2Kernels = avx2
    }
    benchMobileDepthwise(seconds: seconds, line)
    guard VectorISA.avx512 else { return }   // the classifier case calls the AVX-512 kernel directly
    // The classifier at batch 1: OpenBLAS sgemm (its threads) against the matrix-vector kernel on one core.
    do {
        let fc = LinearParameters(weight: filled(1000 * 1280, 7), bias: filled(1000, 8), inFeatures: 1280, outFeatures: 1000)
        let x = filled(1280, 9)
        var y = [Float](repeating: 0, count: 1000)
        let sgemm = fastest(seconds) { y.withUnsafeMutableBufferPointer { Linear.forward(fc, x: x, rows: 1, y: $0.baseAddress!) } }
        line("fc 1280->1000 x1 OpenBLAS sgemm (its threads)", sgemm, 2.0 * 1280 * 1000)
        let vector = fastest(seconds) {
            fc.weight.withUnsafeBufferPointer { w in
                y.withUnsafeMutableBufferPointer { AVX512Kernels.matVecRows(w: w.baseAddress!, x: x, k: 1280, bias: fc.bias, rows: 0..<1000, y: $0.baseAddress!) }
            }
        }
        line("fc 1280->1000 x1 matVecRows (one core)", vector, 2.0 * 1280 * 1000)
    }
}

/// A depthwise row kernel's arguments (image, inWidth, channels, weight, bias, kernelW, strideW, padLeft, iy0, kyLo, kyHi,
/// outWidth, low, high, out).
typealias Kernel = (UnsafePointer<Float>, Int, Int, UnsafePointer<Float>, UnsafePointer<Float>, Int, Int, Int, Int, Int, Int, Int,
                    Float, Float, UnsafeMutablePointer<Float>) -> Void

/// The depthwise rows at Lite0's (and a few MobileNetV2) batch-1 shapes, one core, fastest call.
func benchMobileDepthwise(seconds: Double, _ line: (String, Double, Double) -> Void) {
    // Depthwise rows: (h = w, channels, kernel, stride, output rows per call).
    let depthwise: [(String, Int, Int, Int, Int)] = [
        ("b0 112x112x32 k3 s1", 112, 32, 3, 1), ("b1 112x112x96 k3 s2", 112, 96, 3, 2), ("b2 56x56x144 k3 s1", 56, 144, 3, 1),
        ("b3 56x56x144 k5 s2", 56, 144, 5, 2), ("b4 28x28x240 k5 s1", 28, 240, 5, 1), ("b9 14x14x672 k5 s1", 14, 672, 5, 1),
        ("b12 7x7x1152 k5 s1", 7, 1152, 5, 1), ("b15 7x7x1152 k3 s1", 7, 1152, 3, 1),
        ("mbv2 b4 28x28x192 k3 s1", 28, 192, 3, 1), ("mbv2 b11 14x14x576 k3 s1", 14, 576, 3, 1), ("mbv2 b14 7x7x960 k3 s1", 7, 960, 3, 1),
    ]
    for (name, h, c, k, s) in depthwise {
        // The kernel's layouts: weight [k][k][C], bias [C]; output rows from the middle of the map.
        let weight = filled(k * k * c, 4), bias = filled(c, 5)
        let outSize = (h + s - 1) / s, pad = max(0, (outSize - 1) * s + k - h) / 2
        // Maps 64-byte aligned, as the forward's workspace hands them out (weights stay in arrays, as in the layer).
        let x = aligned(filled(h * h * c, 6)), y = aligned([Float](repeating: 0, count: outSize * c))
        defer { x.deallocate(); y.deallocate() }
        let rows = min(outSize, 4), first = outSize / 2 - rows / 2
        // AVX2 CPUs: the AVX2 rows by channel groups (7-wide maps as clipped runs of four) and one pixel at a time.
        let variants: [(String, Kernel, Bool)] = VectorISA.avx512
            ? [("", AVX512Kernels.depthwiseRow, false), (" pixels4", AVX512Kernels.depthwiseRowPixels4, false),
               (" groups", AVX512Kernels.depthwiseRowGroups, false), (" groups narrow", AVX512Kernels.depthwiseRowGroups, true)]
            : [(" AVX2 one pixel", AVX2Kernels.depthwiseRow, false), (" AVX2 groups", AVX2Kernels.depthwiseRowGroups, false)]
        for (label, kernel, narrow) in variants {
            AVX512Kernels.narrowMaps = narrow    // 7- and 14-wide maps as clipped runs of four (else: border pixels)
            let t = fastest(seconds) {
                for oh in first..<first + rows {
                    let iy0 = oh * s - pad
                    kernel(x, h, c, weight, bias, k, s, pad, iy0, max(0, -iy0), min(k, h - iy0), outSize, 0, 6, y)
                }
            }
            line("dw \(name), \(rows) rows\(label)", t, 2.0 * Double(rows * outSize * c * k * k))
        }
    }
}
