import ThawBLAS
import ThawKernels
import ThawKernelsAVX2
import XCTest

/// The attention core's products on Thaw's AVX2 kernels (`AVX2Kernels.attentionScores`, `attentionValues`) against
/// their order written out in scalar code — per output one fused multiply-add chain over k from +0, then
/// alpha · sum + 0 — bit for bit, on heads read in place from a [T, 3C]-strided buffer, at all-MiniLM-L6-v2's shape and
/// at lengths that leave row and key tails; and within float rounding of OpenBLAS (whose Haswell/Zen kernel sums some
/// blocks in two interleaved chains, so the two differ in the last bits).
final class AVX2AttentionGEMMTests: XCTestCase {
    private func values(_ n: Int, seed: UInt32, spread: Float) -> [Float] {
        var state = seed
        return (0..<n).map { (_: Int) -> Float in
            state = state &* 1664525 &+ 1013904223
            return (Float(state >> 8) / Float(1 << 24) - 0.5) * spread
        }
    }

    private func assertBitEqual(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let differing = a.indices.filter { a[$0].bitPattern != b[$0].bitPattern }
        XCTAssertTrue(differing.isEmpty, "\(what): \(differing.count) of \(a.count) differ, first at \(differing.first ?? -1): "
                      + "\(differing.first.map { "\(a[$0]) vs \(b[$0])" } ?? "")", file: file, line: line)
    }

    func testScoresAndValuesFollowTheirOrderBitForBit() throws {
        guard CPUFeatures.current.hasAVX2FMA else { throw XCTSkip("this CPU has no AVX2+FMA") }
        _ = try BLAS.load()
        for (t, d, heads) in [(128, 32, 3), (37, 32, 2), (5, 8, 1), (64, 64, 2), (100, 40, 1)] {
            let c = d * heads, ld = 3 * c
            let qkv = values(t * ld, seed: UInt32(t * 31 + d), spread: 6)
            let scale = 1 / Float(d).squareRoot()
            for head in 0..<heads {
                let base = head * d
                var got = [Float](repeating: .nan, count: t * t), blas = got
                var want = [Float](repeating: 0, count: t * t)
                for i in 0..<t {
                    for j in 0..<t {
                        var acc: Float = 0
                        for k in 0..<d { acc = acc.addingProduct(qkv[i * ld + base + k], qkv[j * ld + c + base + k]) }
                        want[i * t + j] = acc * scale + 0
                    }
                }
                qkv.withUnsafeBufferPointer { x in
                    let q = x.baseAddress! + base, k = x.baseAddress! + c + base
                    BLAS.sgemm(transB: true, m: t, n: t, k: d, alpha: scale, a: q, lda: ld, b: k, ldb: ld, beta: 0, c: &blas, ldc: t)
                    let padded = (t + 15) / 16 * 16
                    var keysT = [Float](repeating: .nan, count: d * padded)
                    AVX2Kernels.transposeKeys(k, keys: t, depth: d, ldk: ld, into: &keysT)
                    AVX2Kernels.attentionScores(rows: t, keys: t, depth: d, q: q, ldq: ld, keysT: keysT, scale: scale, s: &got, lds: t)
                }
                assertBitEqual(got, want, "QKᵀ T \(t) D \(d) head \(head)")
                TransformerGolden.assertClose(got, blas, rtol: 1e-5, floor: 1, "QKᵀ against OpenBLAS T \(t) D \(d)")
                // P·V on softmax-like rows (non-negative, some exact zeros as masked keys give).
                var p = values(t * t, seed: UInt32(head + 7), spread: 2).map { max(0, $0) }
                p.withUnsafeMutableBufferPointer { pb in
                    for r in 0..<t { let row = pb.baseAddress! + r * t; let s = (0..<t).reduce(0) { $0 + row[$1] } + 1; for j in 0..<t { row[j] /= s } }
                }
                var gotV = [Float](repeating: .nan, count: t * c), blasV = gotV
                var wantV = gotV
                for i in 0..<t {
                    for col in 0..<d {
                        var acc: Float = 0
                        for j in 0..<t { acc = acc.addingProduct(p[i * t + j], qkv[j * ld + 2 * c + base + col]) }
                        wantV[i * c + base + col] = acc + 0
                    }
                }
                qkv.withUnsafeBufferPointer { x in
                    let v = x.baseAddress! + 2 * c + base
                    blasV.withUnsafeMutableBufferPointer {
                        BLAS.sgemm(m: t, n: d, k: t, a: p, lda: t, b: v, ldb: ld, c: $0.baseAddress! + base, ldc: c)
                    }
                    gotV.withUnsafeMutableBufferPointer {
                        AVX2Kernels.attentionValues(rows: t, keys: t, width: d, p: p, ldp: t, v: v, ldv: ld, out: $0.baseAddress! + base, ldo: c)
                    }
                }
                let columns = (0..<t).flatMap { i in (0..<d).map { i * c + base + $0 } }
                assertBitEqual(columns.map { gotV[$0] }, columns.map { wantV[$0] }, "P·V T \(t) D \(d) head \(head)")
                TransformerGolden.assertClose(columns.map { gotV[$0] }, columns.map { blasV[$0] }, rtol: 1e-5, floor: 1,
                                              "P·V against OpenBLAS T \(t) D \(d)")
            }
        }
    }
}
