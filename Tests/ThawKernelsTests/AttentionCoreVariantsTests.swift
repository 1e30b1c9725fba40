import ThawBLAS
import XCTest
@testable import ThawKernels

/// `SelfAttention.core`'s inference variants against its training form (probabilities kept in [B, H, T, T]), at
/// all-MiniLM-L6-v2's head width (32) with padded keys in one batch item, against OpenBLAS zeroing the outputs
/// (beta = 0): scores in a per-worker scratch (`scoresInScratch`, on by default) with the outputs zeroed by Thaw and
/// sgemm's beta = 1 (`zeroesOutputs`, on by default) give the same bits, over a context buffer holding garbage.
final class AttentionCoreVariantsTests: XCTestCase {
    override func tearDown() { SelfAttention.scoresInScratch = true; SelfAttention.zeroesOutputs = true }

    private func context(keepsProbabilities: Bool, batch: Int, t: Int, h: Int, qkv: [Float], mask: [Int32]) -> [Float] {
        let c = 32 * h
        var ctx = [Float](repeating: -7, count: batch * t * c)
        var probs = [Float](repeating: .nan, count: batch * h * t * t)
        qkv.withUnsafeBufferPointer { qb in mask.withUnsafeBufferPointer { mb in
            probs.withUnsafeMutableBufferPointer { pb in ctx.withUnsafeMutableBufferPointer {
                let q = qb.baseAddress!
                SelfAttention.core(q: q, k: q + c, v: q + 2 * c, ld: 3 * c, mask: mb.baseAddress!, batch: batch, length: t,
                                   heads: h, probs: pb.baseAddress!, context: $0.baseAddress!, channels: c,
                                   keepsProbabilities: keepsProbabilities)
            } }
        } }
        return ctx
    }

    func testScratchScoresAndZeroedOutputsGiveTheSameBits() throws {
        _ = try BLAS.load()
        let (batch, t, h) = (3, 45, 4)
        let qkv = FiniteDifference.random(batch * t * 3 * 32 * h, seed: 11, scale: 2)
        var mask = [Int32](repeating: 1, count: batch * t)
        for j in 30..<t { mask[t + j] = 0 }                                 // the second item padded after 30 tokens
        SelfAttention.zeroesOutputs = false
        let kept = context(keepsProbabilities: true, batch: batch, t: t, h: h, qkv: qkv, mask: mask)
        SelfAttention.zeroesOutputs = true
        let keptZeroed = context(keepsProbabilities: true, batch: batch, t: t, h: h, qkv: qkv, mask: mask)
        XCTAssertEqual(kept.map(\.bitPattern), keptZeroed.map(\.bitPattern), "outputs zeroed by Thaw, beta = 1: the same floats")
        let scratch = context(keepsProbabilities: false, batch: batch, t: t, h: h, qkv: qkv, mask: mask)
        XCTAssertEqual(kept.map(\.bitPattern), scratch.map(\.bitPattern), "scores in a scratch: the same floats")
    }
}
