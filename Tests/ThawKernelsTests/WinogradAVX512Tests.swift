import XCTest
import ThawBLAS
@testable import ThawKernels

/// The AVX-512 tile transforms of Winograd F(4×4, 3×3) (16 channels per register) give the AVX2 ones'
/// output: same arithmetic in the same order, edge tiles, padding and every epilogue included; U stored in
/// panels gives the same output through the panel kernel, one sgemm per panel, the AVX2 engine (its transforms and
/// panel kernel) and the baseline build.
final class WinogradAVX512Tests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(VectorISA.avx512 && VectorISA.avx2FMA, "this CPU lacks AVX-512: the AVX2 transforms always run")
    }

    override func tearDown() {
        WinogradChoice.policy = .automatic
        WinogradChoice.wideTransforms = true
        ConvTiles.panelKernel = true
        VectorISA.avx512 = CPUFeatures.current.hasAVX512         // tearDown runs after a skip too
        VectorISA.avx2Kernels = CPUFeatures.current.hasAVX2FMA
    }

    func testWideTransformsMatchAVX2() {
        // (n, h, w, cin, cout, pad, activation, bias): sizes not multiples of 4, SAME and zero padding.
        let cases: [(Int, Int, Int, Int, Int, Padding2D, Activation, Bool)] = [
            (1, 8, 8, 16, 16, .symmetric(1), .identity, true),
            (2, 7, 5, 32, 16, .symmetric(1), .relu, true),
            (1, 9, 14, 16, 48, .none, .relu6, false),
            (1, 13, 10, 64, 64, .same, .relu, true),
            (2, 9, 7, 32, 128, .symmetric(1), .identity, true),
        ]
        WinogradChoice.policy = .always
        for (i, c) in cases.enumerated() {
            let (n, h, w, cin, cout, pad, act, hasBias) = c
            let shape = Conv2DShape(inChannels: cin, outChannels: cout, kernel: 3, padding: pad)
            let conv = Conv2D(shape: shape, oihw: FiniteDifference.random(cout * cin * 9, seed: UInt64(i + 1), scale: 0.2),
                              bias: hasBias ? FiniteDifference.random(cout, seed: UInt64(i + 20)) : nil, activation: act).preparingWinograd()
            let x = Tensor(shape: [n, h, w, cin], data: FiniteDifference.random(n * h * w * cin, seed: UInt64(i + 40)))
            WinogradChoice.wideTransforms = false
            let narrow = conv.forward(x, workspace: Workspace()).data
            WinogradChoice.wideTransforms = true
            let wide = conv.forward(x, workspace: Workspace()).data
            ConvGolden.assertClose(wide, narrow, tolerance: 1e-6, "case \(i) \(cin)→\(cout) \(h)×\(w)")
            // U in panels (Cout a multiple of 64): the panel kernel's GEMMs against one OpenBLAS sgemm per panel,
            // and against the baseline build (AVX2 transforms, OpenBLAS).
            XCTAssertEqual(conv.winogradFilterInPanels, cout % 64 == 0, "case \(i)")
            ConvTiles.panelKernel = false
            let perPanel = conv.forward(x, workspace: Workspace()).data
            ConvTiles.panelKernel = true
            VectorISA.avx512 = false
            let avx2 = conv.forward(x, workspace: Workspace()).data
            VectorISA.avx2Kernels = false
            let baseline = conv.forward(x, workspace: Workspace()).data
            VectorISA.avx2Kernels = CPUFeatures.current.hasAVX2FMA
            VectorISA.avx512 = true
            ConvGolden.assertClose(wide, perPanel, tolerance: 1e-4, "case \(i) panel kernel vs sgemm per panel")
            ConvGolden.assertClose(wide, avx2, tolerance: 1e-4, "case \(i) AVX-512 vs AVX2 engine")
            ConvGolden.assertClose(wide, baseline, tolerance: 1e-4, "case \(i) AVX-512 vs baseline build")
        }
    }
}
