import XCTest
@testable import ThawKernels

/// AVX-512 depthwise rows of 7- and 14-wide maps (AVX2: 7-wide) at stride 1 as clipped runs of four pixels
/// (`VectorISA.narrowDepthwise`): bit for bit the interior/border path and one pixel at a time — the same sums in the
/// same order — and the AVX2 build the AVX-512 one, NaN in the same places, within float rounding of the baseline
/// build; other widths and strides unchanged.
final class DepthwiseNarrowTests: XCTestCase {
    private func values(_ count: Int, _ seed: Int, scale: Float) -> [Float] {
        (0..<count).map { scale * (Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1) }
    }

    private func run(_ dw: DepthwiseConv2D, _ x: Tensor, _ build: KernelBuild, narrow: Bool, groups: Bool = true) -> [Float] {
        let saved = (VectorISA.narrowDepthwise, DepthwiseConv2D.groupRows)
        VectorISA.narrowDepthwise = narrow
        DepthwiseConv2D.groupRows = groups
        defer { (VectorISA.narrowDepthwise, DepthwiseConv2D.groupRows) = saved }
        return build.run { dw.forward(x).data }
    }

    /// 3×3 and 5×5, TF SAME and symmetric padding, 1–5 channel groups (a last block of 16/48), 7×7 and 14×14 maps
    /// (the narrow path), a 7×7 at stride 2 and 9- and 5-wide maps (not it), batch 2, ReLU6 past both bounds.
    func testNarrowMatchesBorderPathAndBaseline() {
        let configs: [(c: Int, k: Int, s: Int, pad: Padding2D, act: Activation)] = [
            (1152, 5, 1, .same, .relu6), (64, 3, 1, .symmetric(1), .relu6), (80, 5, 1, .symmetric(2), .identity),
            (48, 3, 1, .same, .relu), (16, 5, 1, .same, .relu6), (32, 5, 2, .same, .relu6),
        ]
        for cfg in configs {
            for (n, h, w) in [(1, 7, 7), (1, 14, 14), (2, 7, 7), (1, 3, 14), (1, 9, 9), (1, 7, 5)] {
                var data = values(n * h * w * cfg.c, cfg.c + w, scale: 3)
                data[(h / 2 * w + w / 2) * cfg.c + 3] = .nan              // the middle pixel of image 0, channel 3
                data[(w - 1) * cfg.c + 20 % cfg.c] = .nan                 // the last pixel of row 0
                let x = Tensor(shape: [n, h, w, cfg.c], data: data)
                let dw = DepthwiseConv2D(channels: cfg.c, kernel: cfg.k, stride: cfg.s, padding: cfg.pad,
                                         weightCHW: values(cfg.c * cfg.k * cfg.k, cfg.k, scale: 1.5), bias: values(cfg.c, 3, scale: 2),
                                         activation: cfg.act)
                let label = "c\(cfg.c) k\(cfg.k) s\(cfg.s) \(n)×\(h)×\(w)"
                let base = run(dw, x, .baseline, narrow: true)
                XCTAssertTrue(base.contains { $0.isNaN }, "\(label): the NaN should reach the output")
                var first: [Float]?
                for build in KernelBuild.vector {
                    let narrow = run(dw, x, build, narrow: true)
                    let border = run(dw, x, build, narrow: false)
                    let one = run(dw, x, build, narrow: true, groups: false)
                    XCTAssertEqual(one.map { $0.isNaN ? 0 : $0.bitPattern }, border.map { $0.isNaN ? 0 : $0.bitPattern },
                                   "\(label), \(build): one pixel vs border path, bit for bit")
                    XCTAssertEqual(narrow.map(\.isNaN), border.map(\.isNaN), "\(label), \(build): NaNs in the same places")
                    XCTAssertEqual(narrow.map { $0.isNaN ? 0 : $0.bitPattern }, border.map { $0.isNaN ? 0 : $0.bitPattern },
                                   "\(label), \(build): narrow vs border path, bit for bit")
                    if let first {
                        XCTAssertEqual(narrow.map { $0.isNaN ? 0 : $0.bitPattern }, first.map { $0.isNaN ? 0 : $0.bitPattern },
                                       "\(label): \(build) vs AVX-512, bit for bit")
                    }
                    first = first ?? narrow
                    XCTAssertEqual(narrow.filter(\.isNaN).count, base.filter(\.isNaN).count, "\(label), \(build): NaNs vs baseline")
                    let finite = zip(narrow, base).filter { $0.1.isFinite }
                    assertCloseToScale(finite.map(\.0), finite.map(\.1), tolerance: 1e-5, "\(label): \(build) vs baseline")
                }
            }
        }
    }
}
