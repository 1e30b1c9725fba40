import XCTest
@testable import ThawKernels

/// Depthwise rows on channel slabs (`forwardRows(_:geometry:rows:channels:into:)`, `depthwiseRowGroupSlab` in the
/// AVX-512 and AVX2 builds): slab by slab the output equals the whole-row groups kernel bit for bit (slabs of 16–64 channels, a 48-channel
/// tail, two-chain border pixels), a NaN reaches the same outputs, and it matches the baseline build.
final class DepthwiseSlabTests: XCTestCase {
    private func values(_ count: Int, _ seed: Int) -> [Float] { (0..<count).map { Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1 } }

    private func whole(_ dw: DepthwiseConv2D, _ x: Tensor, _ build: KernelBuild) -> [Float] {
        build.run { dw.forward(x).data }
    }

    func testSlabsMatchWholeRowsAndBaseline() {
        let configs: [(c: Int, k: Int, s: Int, pad: Padding2D, act: Activation, slab: Int)] = [
            (240, 5, 1, .same, .relu6, 64), (240, 5, 1, .same, .relu6, 32), (96, 3, 2, .same, .relu6, 32),
            (144, 3, 1, .symmetric(1), .relu6, 48), (80, 5, 2, .symmetric(2), .identity, 16), (64, 3, 1, .symmetric(1), .relu, 64),
        ]
        for cfg in configs {
            for (n, h, w) in [(1, 7, 7), (1, 14, 14), (2, 5, 13), (1, 3, 2)] {
                var data = values(n * h * w * cfg.c, cfg.c + w)
                data[(h / 2 * w + w / 2) * cfg.c + 35] = .nan             // the middle pixel of image 0, channel 35
                let x = Tensor(shape: [n, h, w, cfg.c], data: data)
                let dw = DepthwiseConv2D(channels: cfg.c, kernel: cfg.k, stride: cfg.s, padding: cfg.pad,
                                         weightCHW: values(cfg.c * cfg.k * cfg.k, cfg.k), bias: values(cfg.c, 3), activation: cfg.act)
                let label = "c\(cfg.c) k\(cfg.k) s\(cfg.s) slab \(cfg.slab) \(n)×\(h)×\(w)"
                let base = whole(dw, x, .baseline)
                XCTAssertTrue(base.contains { $0.isNaN }, "\(label): the NaN should reach the output")
                let g = dw.geometry(height: h, width: w)
                XCTAssertFalse(KernelBuild.baseline.run { dw.runsSlabs(g) }, label)
                var first: [Float]?
                for build in KernelBuild.vector {
                    let groups = whole(dw, x, build)
                    var slabs = [Float](repeating: -7, count: groups.count)
                    build.run {
                        XCTAssertTrue(dw.runsSlabs(g), "\(label), \(build)")
                        x.data.withUnsafeBufferPointer { xb in
                            slabs.withUnsafeMutableBufferPointer { yb in
                                for image in 0..<n {
                                    for c0 in stride(from: 0, to: cfg.c, by: cfg.slab) {
                                        dw.forwardRows(xb.baseAddress! + image * h * w * cfg.c, geometry: g, rows: 0..<g.outHeight,
                                                       channels: c0..<min(cfg.c, c0 + cfg.slab), into: yb.baseAddress! + image * g.outPixels * cfg.c)
                                    }
                                }
                            }
                        }
                    }
                    XCTAssertEqual(slabs.map(\.bitPattern), groups.map(\.bitPattern), "\(label), \(build): slabs vs whole rows")
                    if let first { XCTAssertEqual(slabs.map(\.bitPattern), first.map(\.bitPattern), "\(label): \(build) vs AVX-512") }
                    first = first ?? slabs
                    XCTAssertEqual(slabs.filter(\.isNaN).count, base.filter(\.isNaN).count, "\(label), \(build): NaNs in the same places")
                    let finite = zip(slabs, base).filter { $0.1.isFinite }
                    XCTAssertEqual(finite.count + base.filter(\.isNaN).count, base.count, label)
                    assertCloseToScale(finite.map(\.0), finite.map(\.1), tolerance: 1e-5, "\(label), \(build): slabs vs baseline")
                }
            }
        }
    }

    /// Expand panels per slab: two unless one spreads the panels more evenly over the cores.
    func testSlabPanels() {
        XCTAssertEqual(InvertedResidual.slabPanels(panels: 36, workers: 2), 2)   // 1152 channels: 18 slabs
        XCTAssertEqual(InvertedResidual.slabPanels(panels: 21, workers: 2), 1)   // 672: 11 slabs of 2 would leave 12 panels on one core
        XCTAssertEqual(InvertedResidual.slabPanels(panels: 8, workers: 2), 2)
        XCTAssertEqual(InvertedResidual.slabPanels(panels: 6, workers: 2), 1)
        XCTAssertEqual(InvertedResidual.slabPanels(panels: 1, workers: 2), 1)
    }
}
