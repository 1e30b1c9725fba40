import XCTest
@testable import ThawKernels

/// `PanelAttentionCore` (scores and context on the AVX-512 panel kernel) against `SelfAttention.core` (OpenBLAS,
/// checked against the PyTorch goldens in `AttentionTests`): ViT-S/14's 257 tokens × 6 heads read from a fused
/// [B·T, 3C] projection, two batch items, the second with padded keys; a NaN query reaches exactly its row of its
/// head; the few-pairs path (units of query rows taken by the cores one by one, `RowChunkedAttention`) gives the per-pair path's floats exactly, whatever
/// the unit size. On CPUs without AVX-512 `runs` declines (the baseline `SelfAttention.core` runs instead): asserted.
final class PanelAttentionCoreTests: XCTestCase {
    private func both(_ qkv: [Float], mask: [Int32], batch: Int, length t: Int, heads h: Int, channels c: Int)
        -> (panels: [Float], reference: [Float]) {
        var panels = [Float](repeating: -7, count: batch * t * c), reference = panels
        var probs = [Float](repeating: 0, count: batch * h * t * t)
        qkv.withUnsafeBufferPointer { qb in mask.withUnsafeBufferPointer { mb in
            let q = qb.baseAddress!, m = mb.baseAddress!
            panels.withUnsafeMutableBufferPointer {
                PanelAttentionCore.run(q: q, k: q + c, v: q + 2 * c, ld: 3 * c, mask: m, batch: batch, length: t, heads: h,
                                       context: $0.baseAddress!, channels: c)
            }
            probs.withUnsafeMutableBufferPointer { pb in reference.withUnsafeMutableBufferPointer {
                SelfAttention.core(q: q, k: q + c, v: q + 2 * c, ld: 3 * c, mask: m, batch: batch, length: t, heads: h,
                                   probs: pb.baseAddress!, context: $0.baseAddress!, channels: c)
            } }
        } }
        return (panels, reference)
    }

    func testRunsOnlyWithPackedKernelsAndHeadsOf64() {
        XCTAssertEqual(PanelAttentionCore.runs(headWidth: 64), VectorISA.packedKernels)
        XCTAssertFalse(PanelAttentionCore.runs(headWidth: 32), "heads of 32 channels are not one panel")
    }

    override func tearDown() { PanelAttentionCore.rowsPerUnit = 48 }

    func testRowUnitsGiveThePerPairFloats() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA (testRunsOnly… covers the baseline)")
        for (t, h, padding) in [(257, 6, 0), (257, 6, 40), (130, 3, 7)] {
            let c = 64 * h
            let qkv = FiniteDifference.random(t * 3 * c, seed: UInt64(t + h + padding), scale: 2)
            var mask = [Int32](repeating: 1, count: t)
            for j in (t - padding)..<t { mask[j] = 0 }
            var runs: [[Float]] = []
            for rows in [0, 48, 6, 100] {                                           // 0: split by pairs
                PanelAttentionCore.rowsPerUnit = rows
                var out = [Float](repeating: -7, count: t * c)
                qkv.withUnsafeBufferPointer { qb in mask.withUnsafeBufferPointer { mb in out.withUnsafeMutableBufferPointer {
                    let q = qb.baseAddress!
                    PanelAttentionCore.run(q: q, k: q + c, v: q + 2 * c, ld: 3 * c, mask: mb.baseAddress!, batch: 1, length: t,
                                           heads: h, context: $0.baseAddress!, channels: c)
                } } }
                runs.append(out)
            }
            XCTAssertFalse(runs[0].contains(-7), "every context value written")
            for (i, rows) in [48, 6, 100].enumerated() {
                XCTAssertTrue(zip(runs[0], runs[i + 1]).allSatisfy { $0.bitPattern == $1.bitPattern },
                              "\(t) tokens, \(h) heads, \(padding) padded: units of \(rows) rows give the per-pair floats")
            }
        }
    }

    func testMatchesSelfAttentionCore() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA (testRunsOnly… covers the baseline)")
        for (t, h, batch) in [(257, 6, 2), (5, 2, 1), (64, 1, 1), (130, 3, 1)] {
            let c = 64 * h
            let qkv = FiniteDifference.random(batch * t * 3 * c, seed: UInt64(t + h), scale: 2)
            var mask = [Int32](repeating: 1, count: batch * t)
            if batch > 1 { for j in (t - t / 3)..<t { mask[t + j] = 0 } }         // item 1: its last third is padding
            let (got, want) = both(qkv, mask: mask, batch: batch, length: t, heads: h, channels: c)
            ConvGolden.assertClose(got, want, tolerance: 1e-4, "\(batch)×\(t) tokens, \(h) heads")
        }
    }

    func testNaNQueryReachesExactlyItsRowAndHead() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA (testRunsOnly… covers the baseline)")
        let (t, h) = (70, 3), c = 64 * h
        var qkv = FiniteDifference.random(t * 3 * c, seed: 3)
        qkv[9 * 3 * c + 64 + 5] = .nan                                            // token 9, head 1, a query channel
        let (got, _) = both(qkv, mask: [Int32](repeating: 1, count: t), batch: 1, length: t, heads: h, channels: c)
        XCTAssertEqual(got.indices.filter { got[$0].isNaN }, Array((9 * c + 64)..<(9 * c + 128)), "NaN in token 9, head 1 only")
    }
}
