import Foundation
@testable import ThawBackbones
import ThawKernels
import XCTest

/// EfficientNet-Lite0 and MobileNetV2 (real weights) with the fused inverted-residual blocks and the
/// AVX-512 or AVX2 kernels (each the CPU has) against the same networks run layer by layer in the baseline build: every cut
/// point within 1e-5 of the tap's largest magnitude, at batch 1 (fused on the 112×112 and 56×56 maps,
/// split into row segments) and batch 2 (every block fused, whole images per core).
final class InvertedResidualFusionTests: XCTestCase {
    private func everyTap(_ model: any Backbone, batch n: Int, taps: [String]? = nil) throws -> [String: [Float]] {
        var state: UInt32 = 2026
        let pixels = (0..<n * 224 * 224 * 3).map { _ -> Float in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(state >> 8) / Float(1 << 23) - 1
        }
        let taps = try model.forward(Activations(tensor: Tensor(shape: [n, 224, 224, 3], data: pixels)), from: nil,
                                     taps: taps ?? model.cutPoints.map(\.name))
        return taps.mapValues(\.tensor.data)
    }

    /// The packed engines this CPU runs: the AVX-512 kernels where present, the AVX2+FMA ones where present (on an
    /// AVX-512 CPU with `VectorISA.avx512` off), or none (then the fused blocks alone: BLAS inside the bands).
    private var engines: [(name: String, avx512: Bool, avx2: Bool)] {
        var e: [(name: String, avx512: Bool, avx2: Bool)] = []
        if VectorISA.avx512 { e.append(("AVX-512", true, VectorISA.avx2Kernels)) }
        if VectorISA.avx2Kernels { e.append(("AVX2", false, true)) }
        return e.isEmpty ? [("baseline", false, false)] : e
    }

    private func check(_ model: any Backbone) throws {
        let saved = (VectorISA.avx512, VectorISA.avx2Kernels), engines = engines   // before the reference turns both off
        defer { InvertedResidual.enabled = true; (VectorISA.avx512, VectorISA.avx2Kernels) = saved }
        for n in [1, 2] {
            InvertedResidual.enabled = false
            (VectorISA.avx512, VectorISA.avx2Kernels) = (false, false)
            let reference = try everyTap(model, batch: n)
            InvertedResidual.enabled = true
            for engine in engines {
                (VectorISA.avx512, VectorISA.avx2Kernels) = (engine.avx512, engine.avx2)
                let fused = try everyTap(model, batch: n)
                var worstTap: Float = 0
                XCTAssertEqual(Set(fused.keys), Set(model.cutPoints.map(\.name)))
                for (name, want) in reference {
                    let got = try XCTUnwrap(fused[name])
                    let scale = max(want.map(abs).max() ?? 0, 1e-30)
                    let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
                    XCTAssertLessThanOrEqual(worst / scale, 1e-5,
                                             "\(model.name) \(engine.name) batch \(n) \(name): max |Δ| \(worst), max |ref| \(scale)")
                    XCTAssertFalse(got.contains { !$0.isFinite }, "\(model.name) \(engine.name) batch \(n) \(name): non-finite values")
                    worstTap = max(worstTap, worst / scale)
                }
                print("\(model.name) batch \(n): fused + \(engine.name) vs layer by layer, worst cut point max |Δ| / max |ref| = \(worstTap)")
            }
        }
    }

    func testLite0FusedMatchesLayerByLayerAtEveryCut() throws {
        try check(try EfficientNetLiteTests.lite0())
    }

    func testMobileNetV2FusedMatchesLayerByLayerAtEveryCut() throws {
        try check(try MobileNetV2Tests.mobileNetV2())
    }

    /// Consecutive blocks at batch 1 (row segments and phases) chained in one region (`InvertedResidual.chainsStages`) or a region per
    /// block: the same bits at every tap asked for, with taps at the end only and with taps inside runs of phased blocks
    /// (a chain stops at a tap); and runs of phased blocks do form chains (the packed kernels run on this CPU).
    func testChainedStagesChangeNoBit() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "no packed kernels on this CPU: no block runs in phases")
        let saved = (InvertedResidual.chainsStages, InvertedResidual.chainClaimsFromBothEnds, InvertedResidual.segmentHaloShare,
                     InvertedResidual.chainPoolsInHead, InvertedResidual.balancedSegments, InvertedResidual.chainReadsInput)
        defer {
            (InvertedResidual.chainsStages, InvertedResidual.chainClaimsFromBothEnds, InvertedResidual.segmentHaloShare,
             InvertedResidual.chainPoolsInHead, InvertedResidual.balancedSegments, InvertedResidual.chainReadsInput) = saved
        }
        for model in [try EfficientNetLiteTests.lite0(), try MobileNetV2Tests.mobileNetV2()] as [any Backbone] {
            let names = model.cutPoints.map(\.name)
            // The fc alone (head, pool and fc chained), the pool alone (the pool stage ends the chain), taps inside runs of blocks.
            for taps in [[names[names.count - 1]], [names[names.count - 2]], [names[9], names[12], names[13], names[names.count - 3]]] {
                (InvertedResidual.chainsStages, InvertedResidual.chainClaimsFromBothEnds, InvertedResidual.segmentHaloShare,
                 InvertedResidual.chainPoolsInHead) = (false, false, 8, false)
                (InvertedResidual.balancedSegments, InvertedResidual.chainReadsInput) = (false, false)
                let perBlock = try everyTap(model, batch: 1, taps: taps)
                // Chained, claiming in order and from both ends, with more row segments (more halo rows recomputed), and
                // with the head's units pooling their columns.
                for (ends, share, headPools) in [(false, 8, false), (true, 8, false), (true, 2, false), (true, 2, true), (false, 8, true)] {
                    (InvertedResidual.chainsStages, InvertedResidual.chainClaimsFromBothEnds, InvertedResidual.segmentHaloShare,
                     InvertedResidual.chainPoolsInHead) = (true, ends, share, headPools)
                    // Balanced row segments and the stem reading the input in place with the pooling head.
                    (InvertedResidual.balancedSegments, InvertedResidual.chainReadsInput) = (headPools, headPools)
                    let chained = try everyTap(model, batch: 1, taps: taps)
                    XCTAssertEqual(Set(chained.keys), Set(taps), "\(model.name) \(taps)")
                    for name in taps {
                        XCTAssertEqual(try XCTUnwrap(chained[name]).map(\.bitPattern), try XCTUnwrap(perBlock[name]).map(\.bitPattern),
                                       "\(model.name) \(name) of taps \(taps), both ends \(ends), halo share 1/\(share), head pools, balanced segments, input in place \(headPools)")
                    }
                }
            }
        }
    }

    /// At batches of at least the core count the stem and the fused blocks image by image (`InvertedResidual.imageChains`)
    /// or stage by stage over the batch: the same bits at every tap asked for (taps at the end, at the stem, inside runs
    /// of blocks: a chain stops at a tap), and the chains do form.
    func testImageChainsChangeNoBit() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "no packed kernels on this CPU: no image chains")
        let saved = (InvertedResidual.imageChains, InvertedResidual.imageChainsHead)
        defer { (InvertedResidual.imageChains, InvertedResidual.imageChainsHead) = saved }
        let lite0 = try EfficientNetLiteTests.lite0()
        (InvertedResidual.imageChains, InvertedResidual.imageChainsHead) = (true, true)
        XCTAssertEqual(lite0.imageChainEnd(from: 0, to: 19, batch: 3, height: 224, width: 224, taps: [19]), 18,
                       "stem, blocks 0–15, head and pool chain at batch 3")
        XCTAssertEqual(lite0.imageChainEnd(from: 13, to: 18, batch: 3, height: 14, width: 14, taps: [18]), 18,
                       "blocks 12–15, head and pool chain after a tap at blocks.11")
        XCTAssertNil(lite0.imageChainEnd(from: 0, to: 19, batch: 1, height: 224, width: 224, taps: [19]), "no image chain at batch 1")
        for model in [lite0, try MobileNetV2Tests.mobileNetV2()] as [any Backbone] {
            let names = model.cutPoints.map(\.name)
            for (taps, head) in [([names[names.count - 1]], true), ([names[12], names[names.count - 2]], true),
                                 ([names[12], names[names.count - 2]], false), ([names[0], names[4], names[5], names[names.count - 3]], true)] {
                InvertedResidual.imageChainsHead = head
                InvertedResidual.imageChains = false
                let byStage = try everyTap(model, batch: 3, taps: taps)
                InvertedResidual.imageChains = true
                let byImage = try everyTap(model, batch: 3, taps: taps)
                XCTAssertEqual(Set(byImage.keys), Set(taps), "\(model.name) \(taps)")
                for name in taps {
                    let want = try XCTUnwrap(byStage[name])
                    XCTAssertFalse(want.contains { !$0.isFinite }, "\(model.name) \(name): non-finite reference")
                    XCTAssertEqual(try XCTUnwrap(byImage[name]).map(\.bitPattern), want.map(\.bitPattern), "\(model.name) \(name) of taps \(taps), head \(head)")
                }
            }
        }
    }
}
