import Dispatch
import Foundation

/// `TrainingPointwise`'s GEMMs on bfloat16 operands with float32 accumulation (`TrainingKernels.precision` `.bf16`,
/// `BF16GEMM`): W and Wᵀ packed as bf16 panels once per weight version (`prepare`), x / dy packed per call.
///   forward  y  = x · W     A = x rows [M][Cin/2] pairs,  B = W panels
///   dx       dx = dy · Wᵀ   A = dy rows [M][Cout/2],      B = Wᵀ panels (from W's rows)
///   dW       dW += xᵀ · dy  A = xᵀ (48-row panels of x's columns, K = M pixels), B = dy panels; float32 accumulation into dW
/// The tile grids are the float32 path's (`TrainingPointwise.grid`, `ConvTiles.grid` for dW).
extension TrainingPointwise {
    func prepareBF16(weight: [Float]) {
        let k = inChannels, n = outChannels
        precondition(weight.count == k * n, "TrainingPointwise: the weight must be [\(k), \(n)], got \(weight.count) floats")
        weight.withUnsafeBufferPointer { wb in
            BF16GEMM.packB(rowsOf: wb.baseAddress!, lds: n, k: k, n: n, into: &bf16Forward)
            BF16GEMM.packB(transposeOf: wb.baseAddress!, lds: n, n: k, k: n, into: &bf16Backward)
        }
    }

    /// y = x · W, then (with `epilogue`) y = clamp(y + bias + residual, low, high) row by row on the cores.
    func forwardBF16(_ x: UnsafePointer<Float>, rows: Int, epilogue: (UnsafePointer<Float>, UnsafePointer<Float>?, Float, Float)?,
                     into y: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        let n = outChannels
        rowsTimesPanels(x, rows: rows, k: inChannels, n: n, panels: bf16Forward, into: y)
        guard let (bias, residual, low, high) = epilogue else { return }
        let parts = min(ProcessInfo.processInfo.activeProcessorCount, rows)
        DispatchQueue.concurrentPerform(iterations: parts) { t in
            for r in (rows * t / parts)..<(rows * (t + 1) / parts) {
                let yr = y + r * n, rr = residual.map { $0 + r * n }
                for j in 0..<n {
                    var v = yr[j] + bias[j]
                    if let rr { v += rr[j] }
                    yr[j] = min(max(v, low), high)
                }
            }
        }
    }

    /// dx = dy · Wᵀ.
    func inputGradientBF16(_ dy: UnsafePointer<Float>, rows: Int, into dx: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        rowsTimesPanels(dy, rows: rows, k: outChannels, n: inChannels, panels: bf16Backward, into: dx)
    }

    /// c [rows, n] = a [rows, k] · B, B one of the weight's packed panels (`bf16Forward` or `bf16Backward`), over the
    /// float32 path's tile grid.
    private func rowsTimesPanels(_ a: UnsafePointer<Float>, rows: Int, k: Int, n: Int, panels: [UInt32],
                                 into c: UnsafeMutablePointer<Float>) {
        let layout = BF16GEMM.packA(rowsOf: a, lds: k, m: rows, k: k, into: &bf16A)
        bf16A.withUnsafeBufferPointer { ab in
            panels.withUnsafeBufferPointer { bb in
                BF16GEMM.gemm(m: rows, n: n, a: ab.baseAddress!, layout: layout, b: bb.baseAddress!, c: c, ldc: n,
                              accumulate: false, grid: Self.grid(rows: rows, columns: n))
            }
        }
    }

    /// dW [Cin, Cout] += xᵀ · dy (K = rows pixels).
    func weightGradientBF16(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int, into dw: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        let cin = inChannels, cout = outChannels
        let layout = BF16GEMM.packA(transposeOf: x, lds: cin, k: rows, m: cin, into: &bf16A)
        BF16GEMM.packB(rowsOf: dy, lds: cout, k: rows, n: cout, into: &bf16B)
        bf16A.withUnsafeBufferPointer { ab in
            bf16B.withUnsafeBufferPointer { bb in
                BF16GEMM.gemm(m: cin, n: cout, a: ab.baseAddress!, layout: layout, b: bb.baseAddress!, c: dw, ldc: cout,
                              accumulate: true)
            }
        }
    }
}
