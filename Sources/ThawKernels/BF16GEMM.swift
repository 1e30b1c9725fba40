import CBF16Kernels
import Dispatch
import Foundation

/// C [m, n] (+)= A [m, k] · B [k, n] with bfloat16 operands and float32 accumulation (`vdpbf16ps`, thaw_bf16.h) on CPUs
/// with AVX512-BF16 (`VectorISA.bf16`; callers check it: elsewhere these trap). Operands are packed first into bf16 pairs
/// along K (round to nearest even; an odd K's last pair padded with a zero):
///   B panels [ceil(n/64)][kp/2][64]: `packB(rowsOf:)` (B = S, S [k, n]) or `packB(transposeOf:)` (B = Sᵀ, S [n, k])
///   A: `packA(rowsOf:)` (A = S [m, k], row-major pairs) or `packA(transposeOf:)` (A = Sᵀ, S [k, m], panels of 48 rows)
/// Each product is exact in float32 (8-bit mantissas); the sums run in float32 in pairs, so results equal a float64 sum
/// of the bf16-rounded operands to float32 rounding of a K-long sum, and float32 GEMMs to bf16 rounding (≈ 2⁻⁹ relative
/// per operand). Packing and tiles run on all cores (`concurrentPerform`).
public enum BF16GEMM {
    /// Where row i and pair p of a packed A sit: (i / 48) · block + (i % 48) · row + p · pair (UInt32 units).
    public struct ALayout: Equatable, Sendable {
        public let kp: Int, row: Int, pair: Int, block: Int
    }

    static let panel = 64, aBlock = 48

    /// UInt32s `packB` writes for B [k, n].
    public static func bCount(k: Int, n: Int) -> Int { (n + panel - 1) / panel * panel * ((k + 1) / 2) }

    private static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// A = S [m, k] (row stride lds, K contiguous) as row-major pairs [m][kp/2].
    public static func packA(rowsOf s: UnsafePointer<Float>, lds: Int, m: Int, k: Int, into out: inout [UInt32]) -> ALayout {
        let pairs = (k + 1) / 2
        if out.count < m * pairs { out = [UInt32](repeating: 0, count: m * pairs) }
        let parts = min(cores, m)
        out.withUnsafeMutableBufferPointer { ob in
            let o = ob.baseAddress!
            DispatchQueue.concurrentPerform(iterations: parts) { t in
                let r0 = m * t / parts, r1 = m * (t + 1) / parts
                thaw_bf16_pack_rows(s + r0 * lds, lds, r1 - r0, k, o + r0 * pairs)
            }
        }
        return ALayout(kp: 2 * pairs, row: pairs, pair: 1, block: aBlock * pairs)
    }

    /// A = Sᵀ, S [k, m] (row stride lds, K along S's rows: dW's xᵀ) as panels of 48 rows [ceil(m/48)][kp/2][48].
    public static func packA(transposeOf s: UnsafePointer<Float>, lds: Int, k: Int, m: Int, into out: inout [UInt32]) -> ALayout {
        let pairs = (k + 1) / 2
        packKRows(s, lds: lds, k: k, n: m, width: aBlock, into: &out)
        return ALayout(kp: 2 * pairs, row: 1, pair: aBlock, block: aBlock * pairs)
    }

    /// B = S [k, n] (row stride lds) as panels [ceil(n/64)][kp/2][64].
    public static func packB(rowsOf s: UnsafePointer<Float>, lds: Int, k: Int, n: Int, into out: inout [UInt32]) {
        packKRows(s, lds: lds, k: k, n: n, width: panel, into: &out)
    }

    /// B = Sᵀ, S [n, k] (row stride lds, K contiguous: dx's Wᵀ from W [Cin, Cout]) as panels [ceil(n/64)][kp/2][64].
    public static func packB(transposeOf s: UnsafePointer<Float>, lds: Int, n: Int, k: Int, into out: inout [UInt32]) {
        let count = bCount(k: k, n: n)
        if out.count < count { out = [UInt32](repeating: 0, count: count) }
        out.withUnsafeMutableBufferPointer { thaw_bf16_pack_k_columns(s, lds, n, k, $0.baseAddress!) }
    }

    /// Panels of `width` columns of S [k, n], split by panels over the cores.
    private static func packKRows(_ s: UnsafePointer<Float>, lds: Int, k: Int, n: Int, width: Int, into out: inout [UInt32]) {
        let pairs = (k + 1) / 2, panels = (n + width - 1) / width
        if out.count < panels * width * pairs { out = [UInt32](repeating: 0, count: panels * width * pairs) }
        let parts = min(cores, panels)
        out.withUnsafeMutableBufferPointer { ob in
            let o = ob.baseAddress!
            DispatchQueue.concurrentPerform(iterations: parts) { t in
                let q0 = panels * t / parts, q1 = panels * (t + 1) / parts
                thaw_bf16_pack_k_rows(s + q0 * width, lds, k, min(n - q0 * width, (q1 - q0) * width), width,
                                      o + q0 * width * pairs)
            }
        }
    }

    /// C [m, n] (row stride ldc) = A · B, or += when `accumulate`, over `grid`'s tiles (columns on multiples of 64) on
    /// all cores. A and B from the packers above with the same kp.
    public static func gemm(m: Int, n: Int, a: UnsafePointer<UInt32>, layout: ALayout, b: UnsafePointer<UInt32>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, grid: ConvTiles.Grid) {
        precondition(grid.m == m && grid.n == n && grid.align % panel == 0, "BF16GEMM.gemm: the grid must tile [\(m), \(n)] on 64-column panels")
        DispatchQueue.concurrentPerform(iterations: grid.count) { t in
            let r = grid.rows(t), cols = grid.columns(t)
            thaw_bf16_gemm(r.lowerBound, r.upperBound, n, layout.kp, a, layout.row, layout.pair, layout.block, b,
                           cols.lowerBound / panel, (cols.upperBound + panel - 1) / panel, c, ldc, accumulate ? 1 : 0)
        }
    }

    /// `gemm` over `ConvTiles.grid` on the cores, 64-column panels.
    public static func gemm(m: Int, n: Int, a: UnsafePointer<UInt32>, layout: ALayout, b: UnsafePointer<UInt32>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        gemm(m: m, n: n, a: a, layout: layout, b: b, c: c, ldc: ldc, accumulate: accumulate,
             grid: ConvTiles.grid(m: m, n: n, cores: cores, align: panel))
    }
}
