import XCTest
@testable import ThawKernels

/// The AVX-512 depthwise rows with four pixels per weight load against one pixel at a time (bit for bit:
/// the same sums in the same order), the AVX2 build's one pixel at a time (it has no four-pixel variant) against
/// them bit for bit, and all against the baseline build; a NaN in the input reaches the
/// same outputs in every build (the comparison is NaN-aware).
final class DepthwisePixels4Tests: XCTestCase {
    private func values(_ count: Int, _ seed: Int) -> [Float] { (0..<count).map { Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1 } }

    private func run(_ dw: DepthwiseConv2D, _ x: Tensor, _ build: KernelBuild, fourPixels: Bool) -> [Float] {
        let (savedFour, savedGroups) = (DepthwiseConv2D.fourPixels, DepthwiseConv2D.groupRows)
        DepthwiseConv2D.fourPixels = fourPixels
        DepthwiseConv2D.groupRows = false                   // one pixel at a time: `depthwiseRow`
        defer { DepthwiseConv2D.fourPixels = savedFour; DepthwiseConv2D.groupRows = savedGroups }
        return build.run { dw.forward(x).data }
    }

    func testFourPixelsMatchOnePixelAndBaseline() {
        let configs: [(c: Int, k: Int, s: Int, pad: Padding2D, act: Activation)] = [
            (96, 3, 1, .symmetric(1), .relu6), (144, 3, 2, .symmetric(1), .relu6), (240, 5, 1, .same, .relu6),
            (672, 5, 2, .same, .identity), (32, 3, 1, .same, .relu), (19, 3, 1, .symmetric(1), .relu6),
        ]
        for cfg in configs {
            for (h, w) in [(7, 7), (14, 14), (5, 13), (9, 4), (3, 2)] {
                var data = values(h * w * cfg.c, cfg.c + w)
                data[(h / 2 * w + w / 2) * cfg.c + 3] = .nan              // the middle pixel, channel 3
                let x = Tensor(shape: [1, h, w, cfg.c], data: data)
                let dw = DepthwiseConv2D(channels: cfg.c, kernel: cfg.k, stride: cfg.s, padding: cfg.pad,
                                         weightCHW: values(cfg.c * cfg.k * cfg.k, cfg.k), bias: values(cfg.c, 3), activation: cfg.act)
                let base = run(dw, x, .baseline, fourPixels: false)
                let label = "c\(cfg.c) k\(cfg.k) s\(cfg.s) \(h)×\(w)"
                XCTAssertTrue(base.contains { $0.isNaN }, "\(label): the NaN should reach the output")
                var first: [Float]?
                for build in KernelBuild.vector {
                    let one = run(dw, x, build, fourPixels: false), four = run(dw, x, build, fourPixels: true)
                    XCTAssertEqual(four.map(\.bitPattern), one.map(\.bitPattern), "\(label), \(build): four pixels vs one")
                    if let first { XCTAssertEqual(one.map(\.bitPattern), first.map(\.bitPattern), "\(label): \(build) vs AVX-512") }
                    first = first ?? four
                    let finite = zip(four, base).filter { $0.1.isFinite }
                    XCTAssertEqual(four.filter(\.isNaN).count, base.filter(\.isNaN).count, "\(label), \(build): NaNs in the same places")
                    assertCloseToScale(finite.map(\.0), finite.map(\.1), tolerance: 1e-5, "\(label): \(build) vs baseline")
                }
            }
        }
    }
}
