import XCTest
@testable import ThawKernels

/// The AVX-512 depthwise backward by image × 16-channel blocks (`DepthwiseConv2D.backwardInBlocks`: stride 1,
/// "same", no activation — Lite0 blocks 12–15 in training) against PyTorch float64 gradients
/// (`scripts/golden/depthwise_blocks.py`), against the row kernel and the baseline build, and by finite
/// differences. Comparators fail on NaN (`BackwardGolden.mismatch`).
final class DepthwiseBackwardBlocksTests: XCTestCase {
    private var savedFused = true, savedAVX512 = false, savedBlocks = true

    override func setUp() {
        savedFused = TrainingKernels.fused; savedAVX512 = VectorISA.avx512; savedBlocks = TrainingKernels.depthwiseBlocks
    }
    override func tearDown() {
        TrainingKernels.fused = savedFused; VectorISA.avx512 = savedAVX512; TrainingKernels.depthwiseBlocks = savedBlocks
    }

    /// The cases of `scripts/golden/depthwise_blocks.py`: NHWC shape and kernel.
    private static let cases: [(name: String, shape: [Int], kernel: Int)] = [
        ("dwb5_7", [2, 7, 7, 32], 5), ("dwb3_7", [1, 7, 7, 48], 3), ("dwb5_14", [2, 14, 14, 16], 5), ("dwb3_odd", [3, 9, 10, 32], 3),
    ]

    private func fixture(_ name: String, count: Int) throws -> [Float] {
        guard let url = Bundle.module.url(forResource: "dwblocks_\(name)", withExtension: "bin", subdirectory: "Fixtures") else {
            throw MissingFixture("fixture dwblocks_\(name) missing: run python3 scripts/golden/depthwise_blocks.py")
        }
        let data = try Data(contentsOf: url)
        let values: [Float] = data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        XCTAssertEqual(values.count, count, "fixture dwblocks_\(name): \(values.count) values, want \(count)")
        return values
    }

    /// Gradients with the block kernel (`blocks`) or the row/baseline kernels; dW, db in PyTorch's [C, k·k] / [C].
    private func backward(_ conv: DepthwiseConv2D, _ x: [Float], _ xs: [Int], _ dy: [Float], blocks: Bool,
                          engine: KernelBuild) -> (dx: [Float], dw: [Float], db: [Float]) {
        TrainingKernels.depthwiseBlocks = blocks
        defer { TrainingKernels.depthwiseBlocks = savedBlocks }
        return engine.run { backward(conv, x, xs, dy) }
    }

    private func backward(_ conv: DepthwiseConv2D, _ x: [Float], _ xs: [Int], _ dy: [Float]) -> (dx: [Float], dw: [Float], db: [Float]) {
        var dx = [Float](repeating: .nan, count: x.count)
        var dw = [Float](repeating: 0, count: conv.weight.count), db = [Float](repeating: 0, count: conv.channels)
        conv.backward(x: x, y: nil, dy: dy, batch: xs[0], height: xs[1], width: xs[2], dx: &dx, dWeight: &dw, dBias: &db)
        let c = conv.channels, taps = conv.kernelH * conv.kernelW
        return (dx, (0..<(c * taps)).map { i in dw[(i % taps) * c + i / taps] }, db)
    }

    private func takesBlocks(_ conv: DepthwiseConv2D, _ xs: [Int]) -> Bool {
        TrainingKernels.depthwiseBlocks = true
        defer { TrainingKernels.depthwiseBlocks = savedBlocks }
        var dw = [Float](repeating: 0, count: conv.weight.count)
        let x = [Float](repeating: 0, count: xs.reduce(1, *))
        return x.withUnsafeBufferPointer { xb in dw.withUnsafeMutableBufferPointer { wb in
            conv.backwardInBlocks(x: xb.baseAddress!, y: nil, dy: xb.baseAddress!, batch: xs[0], height: xs[1], width: xs[2],
                                  dx: nil, dWeight: wb.baseAddress!, dBias: nil)
        } }
    }

    func testMatchesPyTorchOnBlockAndBaselinePaths() throws {
        for (name, xs, k) in Self.cases {
            let c = xs[3], count = xs.reduce(1, *)
            let conv = DepthwiseConv2D(channels: c, kernel: (k, k), stride: (1, 1), padding: .same,
                                       weightCHW: try fixture("\(name).w", count: c * k * k), bias: try fixture("\(name).b", count: c))
            let x = try fixture("\(name).x", count: count), dy = try fixture("\(name).dy", count: count)
            let want = (dx: try fixture("\(name).dx", count: count), dw: try fixture("\(name).dw", count: c * k * k),
                        db: try fixture("\(name).db", count: c))
            for engine in KernelBuild.vector {
                XCTAssertTrue(engine.run { takesBlocks(conv, xs) }, "\(name): the \(engine) block kernel must take every case here")
            }
            let runs = KernelBuild.vector.flatMap { [("\($0) blocks", true, $0), ("\($0) row", false, $0)] } + [("baseline", true, KernelBuild.baseline)]
            for (label, blocks, engine) in runs {
                let got = backward(conv, x, xs, dy, blocks: blocks, engine: engine)
                BackwardGolden.assertClose(got.dx, want.dx, "\(name) \(label) dx")
                BackwardGolden.assertClose(got.dw, want.dw, "\(name) \(label) dW")
                BackwardGolden.assertClose(got.db, want.db, "\(name) \(label) db")
            }
        }
    }

    func testMatchesRowKernelOnLite0Shapes() {
        // Blocks 12–14 (5×5) and 15 (3×3) at 1,152 channels; batch 1 splits channels over the cores, batch 3 images.
        for (k, batch) in [(5, 3), (3, 1), (5, 1)] {
            let xs = [batch, 7, 7, 1152], c = 1152
            let x = FiniteDifference.random(xs.reduce(1, *), seed: 91, scale: 2)
            let conv = DepthwiseConv2D(channels: c, kernel: (k, k), stride: (1, 1), padding: .same,
                                       weightCHW: FiniteDifference.random(c * k * k, seed: 92, scale: 0.4))
            let dy = FiniteDifference.random(x.count, seed: 93)
            for engine in KernelBuild.eachOnThisCPU {
                let blocks = backward(conv, x, xs, dy, blocks: true, engine: engine)
                let row = backward(conv, x, xs, dy, blocks: false, engine: engine)
                let label = "depthwise blocks k\(k) n\(batch) \(engine)"
                // dW sums 49·N products per tap in another order than the row kernel: 1e-5 of rounding is seen at N = 3.
                BackwardGolden.assertClose(blocks.dx, row.dx, rtol: 1e-5, "\(label) dx")
                BackwardGolden.assertClose(blocks.dw, row.dw, rtol: 1e-4, "\(label) dW")
                BackwardGolden.assertClose(blocks.db, row.db, rtol: 1e-5, "\(label) db")
            }
        }
    }

    func testNaNPropagates() {
        let xs = [2, 7, 7, 32], c = 32
        let x = FiniteDifference.random(xs.reduce(1, *), seed: 94)
        var dy = FiniteDifference.random(x.count, seed: 95)
        dy[3 * 32 + 5] = .nan   // image 0, pixel (0, 3), channel 5
        let conv = DepthwiseConv2D(channels: c, kernel: (5, 5), stride: (1, 1), padding: .same,
                                   weightCHW: FiniteDifference.random(c * 25, seed: 96))
        for engine in KernelBuild.eachOnThisCPU {
            let g = backward(conv, x, xs, dy, blocks: true, engine: engine)
            // dx at pixel (0, 1) is within the 5×5 reach of (0, 3); dW's centre tap of channel 5.
            XCTAssertTrue(g.dx[32 + 5].isNaN && g.dw[5 * 25 + 12].isNaN && g.db[5].isNaN, "a NaN in dy must reach dx, dW and db")
            XCTAssertFalse(g.dx[32 + 6].isNaN || g.dw[6 * 25 + 12].isNaN || g.db[6].isNaN, "a NaN must stay in its channel")
        }
    }

    func testFiniteDifferences() {
        for (k, xs) in [(5, [2, 7, 7, 16]), (3, [1, 14, 11, 32])] {
            let c = xs[3]
            var x = FiniteDifference.random(xs.reduce(1, *), seed: 97)
            var w = FiniteDifference.random(c * k * k, seed: 98, scale: 0.5)
            func make(_ w: [Float]) -> DepthwiseConv2D {
                DepthwiseConv2D(channels: c, kernel: (k, k), stride: (1, 1), padding: .same, weightCHW: w)
            }
            let conv = make(w)
            let r = FiniteDifference.random(x.count, seed: 99)
            for engine in KernelBuild.eachOnThisCPU {
                let g = backward(conv, x, xs, r, blocks: true, engine: engine)
                let x0 = x
                FiniteDifference.check("depthwise blocks k\(k) \(xs) dx", &x, analytic: g.dx, samples: 96) {
                    FiniteDifference.dot(conv.forward(Tensor(shape: xs, data: $0)).data, r)
                }
                FiniteDifference.check("depthwise blocks k\(k) \(xs) dW", &w, analytic: g.dw, samples: 96) {
                    FiniteDifference.dot(make($0).forward(Tensor(shape: xs, data: x0)).data, r)
                }
            }
        }
    }
}
