import XCTest
@testable import ThawKernels

/// The AVX-512 and AVX2 depthwise rows by channel groups (`depthwiseRowGroups`: four interior pixels per group,
/// 3×3/5×5 windows specialised) against one pixel at a time (`depthwiseRow`, bit for bit: the same sums in the same
/// order), the AVX2 build against the AVX-512 one (bit for bit) and both against the baseline build; a NaN in the input reaches the same outputs (NaN-aware comparison).
final class DepthwiseGroupsTests: XCTestCase {
    private func values(_ count: Int, _ seed: Int) -> [Float] { (0..<count).map { Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1 } }

    private func run(_ dw: DepthwiseConv2D, _ x: Tensor, _ build: KernelBuild, groups: Bool) -> [Float] {
        let savedGroups = DepthwiseConv2D.groupRows
        DepthwiseConv2D.groupRows = groups
        defer { DepthwiseConv2D.groupRows = savedGroups }
        return build.run { dw.forward(x).data }
    }

    /// Every specialised window (3×3, 5×5 × stride 1, 2), TF SAME and symmetric padding, channel counts of 1–5
    /// groups (a last block of 16/32/48 channels) and one that is not a multiple of 16 (falls back), maps
    /// narrower than one run of four interior pixels, wider ones with border pixels on both sides, batch 2.
    func testGroupsMatchOnePixelAndBaseline() {
        let configs: [(c: Int, k: Int, s: Int, pad: Padding2D, act: Activation)] = [
            (32, 3, 1, .symmetric(1), .relu6), (96, 3, 2, .same, .relu6), (144, 3, 1, .same, .relu6), (144, 5, 2, .same, .relu6),
            (240, 5, 1, .same, .relu6), (80, 5, 2, .symmetric(2), .identity), (64, 3, 2, .symmetric(1), .relu), (16, 5, 1, .same, .relu6),
            (19, 3, 1, .symmetric(1), .relu6),
        ]
        for cfg in configs {
            for (n, h, w) in [(1, 7, 7), (1, 14, 14), (2, 5, 13), (1, 9, 4), (1, 3, 2), (1, 12, 23)] {
                var data = values(n * h * w * cfg.c, cfg.c + w)
                data[(h / 2 * w + w / 2) * cfg.c + 3] = .nan              // the middle pixel of image 0, channel 3
                let x = Tensor(shape: [n, h, w, cfg.c], data: data)
                let dw = DepthwiseConv2D(channels: cfg.c, kernel: cfg.k, stride: cfg.s, padding: cfg.pad,
                                         weightCHW: values(cfg.c * cfg.k * cfg.k, cfg.k), bias: values(cfg.c, 3), activation: cfg.act)
                let base = run(dw, x, .baseline, groups: false)
                let label = "c\(cfg.c) k\(cfg.k) s\(cfg.s) \(n)×\(h)×\(w)"
                XCTAssertTrue(base.contains { $0.isNaN }, "\(label): the NaN should reach the output")
                var first: [Float]?
                for build in KernelBuild.vector {
                    let one = run(dw, x, build, groups: false), groups = run(dw, x, build, groups: true)
                    XCTAssertEqual(groups.map(\.bitPattern), one.map(\.bitPattern), "\(label), \(build): groups vs one pixel")
                    if let first { XCTAssertEqual(groups.map(\.bitPattern), first.map(\.bitPattern), "\(label): \(build) vs AVX-512") }
                    first = first ?? groups
                    let finite = zip(groups, base).filter { $0.1.isFinite }
                    XCTAssertEqual(groups.filter(\.isNaN).count, base.filter(\.isNaN).count, "\(label), \(build): NaNs in the same places")
                    assertCloseToScale(finite.map(\.0), finite.map(\.1), tolerance: 1e-5, "\(label): \(build) vs baseline")
                }
            }
        }
    }
}
