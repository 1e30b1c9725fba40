import XCTest
import ThawBLAS
@testable import ThawKernels

/// ConvTiles: the grid covers C exactly once, and the tiled convolution (epilogue and residual fused; on
/// OpenBLAS or on the panel kernel) gives the plain path's output (`forward` + `residualAdd`) to float rounding on
/// every engine this CPU runs (AVX-512, its AVX2 build, the baseline), compared with ConvGolden's NaN-aware comparator.
final class ConvTilesTests: XCTestCase {
    override func tearDown() {
        ConvTiles.enabled = true
        ConvTiles.panelKernel = true
        WinogradChoice.policy = .automatic
        VectorISA.avx512 = CPUFeatures.current.hasAVX512
        VectorISA.avx2Kernels = CPUFeatures.current.hasAVX2FMA
    }

    func testGridCoversEveryElementOnce() {
        for (m, n) in [(1, 1), (49, 2048), (196, 256), (784, 512), (3136, 64), (100_352, 256), (1568, 2048), (17, 70), (513, 513)] {
            for cores in [1, 2, 3] {
                let g = ConvTiles.grid(m: m, n: n, cores: cores)
                var seen = [UInt8](repeating: 0, count: m * n)
                for t in 0..<g.count {
                    for r in g.rows(t) { for c in g.columns(t) { seen[r * n + c] += 1 } }
                }
                XCTAssertTrue(seen.allSatisfy { $0 == 1 }, "grid \(g) for \(m)×\(n) on \(cores) cores covers some element ≠ once")
                if m * n >= 64 * 64 * 8 { XCTAssertGreaterThanOrEqual(g.count, cores, "\(m)×\(n): fewer tiles than cores") }
            }
        }
        // Small maps take columns when A is the smaller operand (deep layers at batch 1), rows when B is.
        XCTAssertEqual(ConvTiles.grid(m: 49, n: 2048, cores: 2).rowTiles, 1)
        XCTAssertEqual(ConvTiles.grid(m: 3136, n: 64, cores: 2).columnTiles, 1)
    }

    /// y = conv(x) through both paths; `residual` adds a skip connection with ReLU.
    private func run(_ conv: Conv2D, _ x: [Float], n: Int, h: Int, w: Int, residual: [Float]?, tiles: Bool) -> [Float] {
        convForward(conv, x, n: n, h: h, w: w, residual: residual, tiles: tiles)
    }

    func testTilesMatchThePlainPath() {
        // (n, h, w, cin, cout, kernel, stride, pad, activation, bias, residual): 1×1 stride 1 (no copy), 1×1 stride 2
        // (downsample), 3×3 stride 2, a 7×7 stem, a deep layer with few rows and many columns, odd sizes.
        let cases: [(Int, Int, Int, Int, Int, Int, Int, Int, Activation, Bool, Bool)] = [
            (2, 14, 14, 64, 256, 1, 1, 0, .identity, true, true),
            (1, 56, 56, 64, 64, 1, 1, 0, .relu, true, false),
            (2, 13, 9, 32, 48, 1, 2, 0, .identity, true, false),
            (1, 15, 15, 16, 32, 3, 2, 1, .relu, true, false),
            (1, 31, 29, 3, 64, 7, 2, 3, .relu, true, false),
            (1, 7, 7, 128, 1024, 1, 1, 0, .identity, false, true),
            (1, 7, 7, 64, 96, 3, 1, 1, .relu6, true, false),
            (3, 5, 6, 24, 40, 1, 1, 0, .identity, true, true),
            (1, 9, 11, 32, 128, 3, 2, 1, .relu, true, false),
            (2, 10, 10, 48, 64, 1, 2, 0, .identity, false, true),
            (1, 28, 28, 64, 128, 3, 2, 1, .relu, true, false),     // 4 × 2 window tiles, K 576 in quarter blocks
            (1, 7, 7, 128, 128, 3, 1, 1, .relu, true, true),      // layer4-like: 49 rows, tiles under 6 rows, Winograd's shape
        ]
        WinogradChoice.policy = .never                       // 3×3 stride 1 through the GEMM here (Winograd has its own tests)
        var panelCases = 0
        for engine in ConvEngine.available { engine.run {
            for (i, c) in cases.enumerated() {
                let (n, h, w, cin, cout, k, stride, pad, act, hasBias, hasResidual) = c
                let shape = Conv2DShape(inChannels: cin, outChannels: cout, kernel: k, stride: stride, padding: .symmetric(pad))
                let conv = Conv2D(shape: shape, oihw: FiniteDifference.random(cout * cin * k * k, seed: UInt64(i + 1), scale: 0.2),
                                  bias: hasBias ? FiniteDifference.random(cout, seed: UInt64(i + 40)) : nil,
                                  activation: hasResidual ? .identity : act)
                let g = shape.geometry(height: h, width: w)
                let x = FiniteDifference.random(n * h * w * cin, seed: UInt64(i + 80))
                let skip = hasResidual ? FiniteDifference.random(n * g.outPixels * cout, seed: UInt64(i + 120)) : nil
                let plain = run(conv, x, n: n, h: h, w: w, residual: skip, tiles: false)
                let tiled = run(conv, x, n: n, h: h, w: w, residual: skip, tiles: true)
                let label = "case \(i) \(shape.kernelH)×\(shape.kernelW)/\(stride) \(cin)→\(cout), \(engine.rawValue)"
                ConvGolden.assertClose(tiled, plain, tolerance: 1e-4, label)
                // The panel kernel on weights packed at load (Cout a multiple of 64; AVX-512 or AVX2 engine).
                let packed = conv.preparingPanels()
                if engine.packed && cout % 64 == 0 {
                    XCTAssertTrue(packed.runsPanelKernel, label)
                    panelCases += 1
                }
                let panels = run(packed, x, n: n, h: h, w: w, residual: skip, tiles: true)
                ConvGolden.assertClose(panels, plain, tolerance: 1e-4, label + ", panels")
                // The AVX2 engine lays weights out as strips at load (`PanelStrips`; the window kernel's convolutions with
                // `windowsAtLoad`): the floats of [K][64] panels (copied into strips per call) exactly on the panel and
                // window kernels; the plain path and OpenBLAS tiles below read them as 16-column GEMMs (OpenBLAS sums in
                // its own order: close, not equal).
                XCTAssertEqual(packed.panelWeightInStrips, engine == .avx2 && packed.panelWeight != nil, label)
                if packed.panelWeightInStrips && !shape.isPointwise {
                    // Window convolutions: strips at load against panels copied into strips per call (shared by the
                    // tiles, or each tile's own), and Winograd's filter from the strips against the panels', bit for bit.
                    PanelStrips.windowsAtLoad = false
                    let windowPanels = conv.preparingPanels()
                    PanelStrips.windowsAtLoad = true
                    XCTAssertFalse(windowPanels.panelWeightInStrips, label)
                    XCTAssertEqual(panels, run(windowPanels, x, n: n, h: h, w: w, residual: skip, tiles: true), label + ", strips at load = shared strips")
                    ConvTiles.windowSharedStrips = false
                    XCTAssertEqual(panels, run(windowPanels, x, n: n, h: h, w: w, residual: skip, tiles: true), label + ", strips at load = tile strips")
                    ConvTiles.windowSharedStrips = true
                    if shape.allowsWinograd {
                        WinogradChoice.policy = .always
                        let fromStrips = run(packed.deferringWinograd(), x, n: n, h: h, w: w, residual: skip, tiles: true)
                        XCTAssertEqual(fromStrips, run(windowPanels.deferringWinograd(), x, n: n, h: h, w: w, residual: skip, tiles: true),
                                       label + ", Winograd from strips = from panels")
                        XCTAssertFalse(fromStrips.contains { $0.isNaN }, label + ", Winograd from strips")   // accuracy: WinogradTests
                        WinogradChoice.policy = .never
                    }
                }
                if packed.panelWeightInStrips {
                    PanelStrips.atLoad = false
                    let inPanels = conv.preparingPanels()
                    PanelStrips.atLoad = true
                    XCTAssertFalse(inPanels.panelWeightInStrips, label)
                    XCTAssertEqual(panels, run(inPanels, x, n: n, h: h, w: w, residual: skip, tiles: true), label + ", strips = panels")
                }
                if packed.runsWindowKernel && VectorISA.avx2Kernels && !VectorISA.avx512 {
                    // The layer's strips shared by its tiles (`windowSharedStrips`) against each tile's own, bit for bit;
                    // with the padded copy in the strips' region too.
                    ConvTiles.windowSharedStrips = false
                    XCTAssertEqual(run(packed, x, n: n, h: h, w: w, residual: skip, tiles: true), panels, label + ", strips per tile")
                    ConvTiles.windowSharedStrips = true
                    // The padded copy in the strips' parallel region (`windowCopiesTogether`), bit for bit.
                    ConvTiles.windowCopiesTogether = true
                    XCTAssertEqual(run(packed, x, n: n, h: h, w: w, residual: skip, tiles: true), panels, label + ", copies together")
                    ConvTiles.windowCopiesTogether = false
                }
                // Weights only in panels: the plain path and the OpenBLAS tiles read them panel by panel.
                XCTAssertEqual(packed.weight.isEmpty, packed.panelWeight != nil, label)
                ConvGolden.assertClose(run(packed, x, n: n, h: h, w: w, residual: skip, tiles: false), plain, tolerance: 1e-4,
                                       label + ", panels, plain path")
                ConvTiles.panelKernel = false
                ConvGolden.assertClose(run(packed, x, n: n, h: h, w: w, residual: skip, tiles: true), plain, tolerance: 1e-4,
                                       label + ", panels, OpenBLAS tiles")
                ConvTiles.panelKernel = true
            }
        } }
        XCTAssertEqual(panelCases, 8 * ConvEngine.available.filter(\.packed).count, "cases that ran the panel kernel")
    }

    /// The AVX-512 residual epilogue equals the baseline loop bit for bit.
    func testResidualEpilogueBuildsAgree() throws {
        try XCTSkipUnless(VectorISA.avx512, "this CPU lacks AVX-512: only the baseline build runs")
        let rows = 5, cols = 37, ld = 40
        let y0 = FiniteDifference.random(rows * ld, seed: 1), bias = FiniteDifference.random(cols, seed: 2)
        let skip = FiniteDifference.random(rows * ld, seed: 3)
        for (low, high) in [(-Float.infinity, Float.infinity), (0, .infinity), (0, 6)] {
            for withBias in [true, false] {
                var out: [[Float]] = []
                for avx512 in [true, false] {
                    VectorISA.avx512 = avx512
                    var y = y0
                    y.withUnsafeMutableBufferPointer { yb in
                        bias.withUnsafeBufferPointer { bb in
                            skip.withUnsafeBufferPointer { sb in
                                tileEpilogue(yb.baseAddress!, rows: rows, cols: cols, ldy: ld, bias: withBias ? bb.baseAddress! : nil,
                                             residual: sb.baseAddress!, ldr: ld, low: low, high: high)
                            }
                        }
                    }
                    out.append(y)
                }
                XCTAssertEqual(out[0], out[1], "clamp [\(low), \(high)], bias \(withBias)")
            }
        }
    }
}
