import XCTest
import ThawBLAS
@testable import ThawKernels

/// The bfloat16 GEMMs (`BF16GEMM`, thaw_bf16.c) against a float64 sum of the bf16-rounded operands (tight: the products
/// are exact in float32, so only float32 accumulation separates them), every packer, odd K, M and N tails, accumulate
/// on and off; and `TrainingPointwise` at `.bf16` against its float32 path within bf16 rounding. Skipped where the CPU
/// lacks AVX512-BF16. Comparators fail on NaN (`!(err <= tol)`) and the references are asserted finite.
final class BF16GEMMTests: XCTestCase {
    override func tearDown() { TrainingKernels.precision = .f32 }

    private func skipUnlessBF16() throws {
        try XCTSkipUnless(VectorISA.bf16, "this CPU lacks avx512_bf16")
    }

    /// x rounded to bfloat16 (nearest, ties to even), as a Float.
    private func bf(_ x: Float) -> Float { Float(bitPattern: (x.bitPattern &+ 0x7FFF &+ ((x.bitPattern >> 16) & 1)) & 0xFFFF_0000) }

    /// Nil when every |got − want| ≤ tol[i]; NaN in either fails.
    private func mismatch(_ got: [Float], _ want: [Double], tol: [Double]) -> String? {
        guard got.count == want.count else { return "count \(got.count) vs \(want.count)" }
        for i in got.indices {
            let err = abs(Double(got[i]) - want[i])
            if !(err <= tol[i]) || !want[i].isFinite { return "element \(i): got \(got[i]), want \(want[i]), tol \(tol[i])" }
        }
        return nil
    }

    /// C [m, n] (+ c0) = A [m, k] · B [k, n] in float64 on the bf16-rounded operands, and Σ|products| per element.
    private func reference(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int, c0: Float?) -> (c: [Double], mag: [Double]) {
        var c = [Double](repeating: Double(c0 ?? 0), count: m * n), mag = [Double](repeating: Double(abs(c0 ?? 0)), count: m * n)
        for i in 0..<m { for p in 0..<k {
            let av = Double(bf(a[i * k + p]))
            for j in 0..<n { let t = av * Double(bf(b[p * n + j])); c[i * n + j] += t; mag[i * n + j] += abs(t) }
        } }
        return (c, mag)
    }

    /// Every packing of A and B (rows / transposed) and accumulate on and off against float64, over odd sizes.
    func testGEMMMatchesFloat64OfRoundedOperands() throws {
        try skipUnlessBF16()
        for (s, (m, k, n)) in [(1, 1, 1), (7, 5, 9), (13, 33, 70), (50, 1, 129), (49, 64, 64), (97, 131, 200), (6, 2, 17)].enumerated() {
            let a = FiniteDifference.random(m * k, seed: UInt64(10 + s)), b = FiniteDifference.random(k * n, seed: UInt64(20 + s))
            var at = [Float](repeating: 0, count: m * k), bt = [Float](repeating: 0, count: k * n)
            for i in 0..<m { for p in 0..<k { at[p * m + i] = a[i * k + p] } }
            for p in 0..<k { for j in 0..<n { bt[j * k + p] = b[p * n + j] } }
            for aTransposed in [false, true] { for bTransposed in [false, true] { for accumulate in [false, true] {
                var ap = [UInt32](), bp = [UInt32]()
                let layout = aTransposed ? BF16GEMM.packA(transposeOf: at, lds: m, k: k, m: m, into: &ap)
                                         : BF16GEMM.packA(rowsOf: a, lds: k, m: m, k: k, into: &ap)
                if bTransposed { BF16GEMM.packB(transposeOf: bt, lds: k, n: n, k: k, into: &bp) }
                else { BF16GEMM.packB(rowsOf: b, lds: n, k: k, n: n, into: &bp) }
                var c = [Float](repeating: accumulate ? 0.75 : .nan, count: m * n)
                ap.withUnsafeBufferPointer { apb in bp.withUnsafeBufferPointer { bpb in
                    BF16GEMM.gemm(m: m, n: n, a: apb.baseAddress!, layout: layout, b: bpb.baseAddress!, c: &c, ldc: n,
                                  accumulate: accumulate)
                } }
                let (want, mag) = reference(a, b, m: m, k: k, n: n, c0: accumulate ? 0.75 : nil)
                XCTAssertNil(mismatch(c, want, tol: mag.map { 1e-5 * $0 + 1e-30 }),
                             "\(m)×\(k)×\(n) A\(aTransposed ? "ᵀ" : "") B\(bTransposed ? "ᵀ" : "") accumulate \(accumulate)")
            } } }
        }
    }

    /// `TrainingPointwise` at `.bf16` (forward, forward with bias + residual + clamp, dx, dW accumulated onto 0.5) against
    /// its float32 path: within bf16 rounding of both operands, |diff| ≤ 2⁻⁷ · Σ|products| (+ float32 slack).
    func testTrainingPointwiseAgreesWithFloat32() throws {
        try skipUnlessBF16()
        try XCTSkipUnless(TrainingKernels.panelGEMMs && VectorISA.packedKernels, "the panel kernels do not run here")
        for (s, (rows, cin, cout)) in [(37, 64, 64), (98, 192, 128), (7, 128, 320)].enumerated() {
            let shape = Conv2DShape(inChannels: cin, outChannels: cout, kernel: 1)
            let w = FiniteDifference.random(cin * cout, seed: UInt64(100 + s), scale: 0.2)
            let x = FiniteDifference.random(rows * cin, seed: UInt64(200 + s)), dy = FiniteDifference.random(rows * cout, seed: UInt64(300 + s))
            let bias = FiniteDifference.random(cout, seed: UInt64(400 + s)), res = FiniteDifference.random(rows * cout, seed: UInt64(500 + s))
            var outs = [[[Float]]]()
            for precision in [TrainingPrecision.f32, .bf16] {
                TrainingKernels.precision = precision
                let k = TrainingPointwise(shape)
                k.prepare(weight: w, version: 1)
                var y = [Float](repeating: .nan, count: rows * cout), ye = y, dx = [Float](repeating: .nan, count: rows * cin)
                var dw = [Float](repeating: 0.5, count: cin * cout)
                k.forward(x, rows: rows, into: &y)
                k.forward(x, rows: rows, bias: bias, residual: res, low: -1, high: 2, into: &ye)
                k.inputGradient(dy, rows: rows, into: &dx)
                k.weightGradient(x: x, dy: dy, rows: rows, into: &dw)
                outs.append([y, ye, dx, dw])
            }
            // Σ|products| per element: forward |x|·|W|, dx |dy|·|W|ᵀ, dW |x|ᵀ·|dy|.
            func absProduct(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int, aT: Bool, bT: Bool) -> [Double] {
                var out = [Double](repeating: 0, count: m * n)
                for i in 0..<m { for p in 0..<k {
                    let av = Double(abs(aT ? a[p * m + i] : a[i * k + p]))
                    for j in 0..<n { out[i * n + j] += av * Double(abs(bT ? b[j * k + p] : b[p * n + j])) }
                } }
                return out
            }
            let fwd = absProduct(x, w, m: rows, k: cin, n: cout, aT: false, bT: false)
            let bwd = absProduct(dy, w, m: rows, k: cout, n: cin, aT: false, bT: true)
            let grad = absProduct(x, dy, m: cin, k: rows, n: cout, aT: true, bT: false)
            for (i, (name, mag)) in [("forward", fwd), ("forward+epilogue", fwd), ("dx", bwd), ("dW", grad)].enumerated() {
                let ref = outs[0][i]
                XCTAssertTrue(ref.allSatisfy(\.isFinite), "\(name): the float32 reference is finite")
                XCTAssertNil(mismatch(outs[1][i], ref.map(Double.init), tol: mag.map { $0 / 128 + 1e-5 }),
                             "\(rows)×\(cin)→\(cout) \(name)")
            }
            // Not the float32 floats: bf16 ran (the test would pass with the f32 path twice otherwise).
            XCTAssertNotEqual(outs[0][0], outs[1][0], "\(rows)×\(cin)→\(cout): the bf16 forward differs from float32")
        }
    }
}
