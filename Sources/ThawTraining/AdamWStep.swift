import CAdamW
import Foundation

/// AdamW's element update (torch.optim.AdamW) over whole SIMD8 lanes, then a scalar tail.
/// The scalar loop it replaces ran unvectorised (the compiler cannot rule out that p, g, m and v
/// overlap), 20% of a 64-head sweep's CPU by `perf`. Every lane performs the scalar loop's operations
/// in the same order and Swift contracts no multiply-add, so the floats are bit for bit the scalar
/// loop's (`AdamWStepTests`).
public enum AdamWStep {
    /// Runs `Optimizer.update`'s AdamW step with the vector loop (false: the scalar loop).
    nonisolated(unsafe) public static var vectorized = true
    /// With `vectorized`: 16 lanes of AVX-512 (`CAdamW`) where the CPU has it, else SIMD8 (SSE in this module's build).
    nonisolated(unsafe) public static var usesAVX512 = avx512Available
    public static let avx512Available = thaw_adamw_avx512() != 0

    /// p *= decay; m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g·g; p −= stepSize·m / (√v / bc2sqrt + eps),
    /// over `n` elements (p, m, v updated in place).
    @inline(__always)
    static func apply(p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                      v: UnsafeMutablePointer<Float>, count n: Int, b1: Float, b2: Float, eps: Float,
                      decay: Float, stepSize: Float, bc2sqrt: Float) {
        var i = 0
        if vectorized && usesAVX512 && avx512Available {
            i = thaw_adamw_avx512_update(p, g, m, v, n, b1, b2, 1 - b1, 1 - b2, eps, decay, stepSize, bc2sqrt)
        }
        if vectorized {
            typealias V = SIMD8<Float>
            let vb1 = V(repeating: b1), vb2 = V(repeating: b2), c1 = V(repeating: 1 - b1), c2 = V(repeating: 1 - b2)
            let vdecay = V(repeating: decay), vstep = V(repeating: stepSize), vbc = V(repeating: bc2sqrt), veps = V(repeating: eps)
            let rp = UnsafeMutableRawPointer(p), rg = UnsafeRawPointer(g)
            let rm = UnsafeMutableRawPointer(m), rv = UnsafeMutableRawPointer(v)
            while i + 8 <= n {
                let o = 4 * i
                let gi = rg.loadUnaligned(fromByteOffset: o, as: V.self)
                let pi = rp.loadUnaligned(fromByteOffset: o, as: V.self) * vdecay
                let mi = vb1 * rm.loadUnaligned(fromByteOffset: o, as: V.self) + c1 * gi
                let vi = vb2 * rv.loadUnaligned(fromByteOffset: o, as: V.self) + c2 * gi * gi
                rm.storeBytes(of: mi, toByteOffset: o, as: V.self)
                rv.storeBytes(of: vi, toByteOffset: o, as: V.self)
                rp.storeBytes(of: pi - vstep * mi / (vi.squareRoot() / vbc + veps), toByteOffset: o, as: V.self)
                i += 8
            }
        }
        while i < n {
            let gi = g[i]
            p[i] *= decay
            let mi = b1 * m[i] + (1 - b1) * gi
            let vi = b2 * v[i] + (1 - b2) * gi * gi
            m[i] = mi
            v[i] = vi
            p[i] -= stepSize * mi / (vi.squareRoot() / bc2sqrt + eps)
            i += 1
        }
    }
}
