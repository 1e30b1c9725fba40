import XCTest
@testable import ThawKernels

/// The AVX2 stem kernel (`AVX2Kernels.smallInputConvRow`) in runs of six pixels × 16 channels or of four: the same
/// bits (every output the same chain: bias, then the taps in order), on rows long enough for several runs of six with
/// leftovers of four and single edge pixels, 16–64 channels, strides 1 and 2, both paddings; and within float
/// rounding of the baseline build.
final class AVX2StemTests: XCTestCase {
    func testSixPixelRunsChangeNoBit() throws {
        try XCTSkipUnless(KernelBuild.vector.contains(.avx2), "this CPU lacks AVX2 + FMA: the AVX2 kernels never run")
        func values(_ count: Int, _ seed: Int) -> [Float] { (0..<count).map { Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1 } }
        let saved = VectorISA.sixPixelStem
        defer { VectorISA.sixPixelStem = saved }
        let ws = Workspace()
        for (cin, cout, s, pad, w) in [(3, 32, 2, Padding2D.same, 57), (3, 64, 2, .symmetric(1), 40), (3, 32, 1, .symmetric(1), 23),
                                       (2, 48, 1, .same, 31), (3, 16, 2, .same, 224)] {
            let (n, h) = (1, 9)
            let conv = Conv2D(shape: Conv2DShape(inChannels: cin, outChannels: cout, kernel: 3, stride: s, padding: pad),
                              oihw: values(cout * cin * 9, cout), bias: values(cout, 5), activation: .relu6)
            let x = Tensor(shape: [n, h, w, cin], data: values(n * h * w * cin, cin))
            let (six, four) = KernelBuild.avx2.run { () -> ([Float], [Float]) in
                XCTAssertTrue(conv.runsSmallInputKernel)
                VectorISA.sixPixelStem = true
                let six = conv.forward(x, workspace: ws).data
                VectorISA.sixPixelStem = false
                return (six, conv.forward(x, workspace: ws).data)
            }
            XCTAssertEqual(six.map(\.bitPattern), four.map(\.bitPattern), "stem \(cin)→\(cout) s\(s) w\(w)")
            let base = KernelBuild.baseline.run { conv.forward(x, workspace: ws).data }
            assertCloseToScale(six, base, tolerance: 1e-5, "stem \(cin)→\(cout) s\(s) w\(w) against the baseline")
        }
    }
}
