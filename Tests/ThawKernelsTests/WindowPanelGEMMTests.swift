import XCTest
@testable import ThawKernels

/// The panel kernel reading windows straight from the map (`Conv2D.forwardWindowTiles`,
/// `AVX512Kernels.windowPanelGEMM` and its AVX2 build, each engine this CPU runs) gives exactly the floats of the
/// panel kernel on im2col rows (same sums in the same order) — the 7×7 stem, 3×3 and 1×1 stride 2, 3×3 stride 1, odd sizes, several padded chunks, bias,
/// residual and clamps — and the plain path's output to float rounding (also with the AVX2 kernel's pass per window
/// row, `ConvTiles.windowPasses`); NaN inputs reach the same outputs.
final class WindowPanelGEMMTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "this CPU lacks AVX-512 and AVX2: convolutions lower im2col rows for OpenBLAS")
    }

    override func tearDown() {
        ConvTiles.enabled = true
        ConvTiles.directWindows = true
        ConvTiles.windowPasses = false                      // the default
        WinogradChoice.policy = .automatic
    }

    /// y = conv(x) (plus `residual` and ReLU) through the tiled path (`tiles`) or the plain one; -7 before the forward.
    private func run(_ conv: Conv2D, _ x: [Float], n: Int, h: Int, w: Int, residual: [Float]?, tiles: Bool = true,
                     budget: Int = 4096) -> [Float] {
        convForward(conv, x, n: n, h: h, w: w, residual: residual, tiles: tiles, budget: budget, fill: -7)
    }

    /// Element by element equal, NaN where the other is NaN; the first difference.
    private func assertIdentical(_ got: [Float], _ want: [Float], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, label, file: file, line: line)
        for i in 0..<min(got.count, want.count) where !(got[i] == want[i] || (got[i].isNaN && want[i].isNaN)) {
            XCTFail("\(label): element \(i) is \(got[i]), im2col path \(want[i])", file: file, line: line)
            return
        }
    }

    func testWindowsMatchIm2colRowsExactly() {
        for engine in ConvEngine.available where engine.packed { engine.run { windowsMatchIm2colRows(engine.rawValue) } }
    }

    private func windowsMatchIm2colRows(_ engine: String) {
        // (n, h, w, cin, cout, kernel, stride, pad, activation, bias, residual)
        let cases: [(Int, Int, Int, Int, Int, Int, Int, Int, Activation, Bool, Bool)] = [
            (1, 31, 29, 3, 64, 7, 2, 3, .relu, true, false),       // the stem, odd size
            (3, 18, 18, 3, 64, 7, 2, 3, .relu, true, false),       // several images per padded chunk, several chunks
            (2, 15, 15, 16, 64, 3, 2, 1, .relu, true, false),      // a stride-2 3×3
            (1, 14, 14, 64, 128, 3, 2, 1, .relu6, false, false),
            (2, 13, 9, 48, 128, 1, 2, 0, .identity, true, false),  // a downsample on an odd map (unpadded: reads x)
            (2, 10, 10, 48, 64, 1, 2, 0, .identity, false, true),
            (1, 7, 7, 64, 192, 3, 1, 1, .identity, true, true),    // a 3×3 stride 1 Winograd leaves, with residual
            (2, 9, 11, 32, 64, 3, 1, 0, .relu, true, false),       // unpadded 3×3
        ]
        WinogradChoice.policy = .never
        for (i, c) in cases.enumerated() {
            let (n, h, w, cin, cout, k, stride, pad, act, hasBias, hasResidual) = c
            let shape = Conv2DShape(inChannels: cin, outChannels: cout, kernel: k, stride: stride, padding: .symmetric(pad))
            let conv = Conv2D(shape: shape, oihw: FiniteDifference.random(cout * cin * k * k, seed: UInt64(i + 1), scale: 0.2),
                              bias: hasBias ? FiniteDifference.random(cout, seed: UInt64(i + 40)) : nil,
                              activation: hasResidual ? .identity : act).preparingPanels()
            XCTAssertTrue(conv.runsWindowKernel, "case \(i), \(engine)")
            let g = shape.geometry(height: h, width: w)
            let x = FiniteDifference.random(n * h * w * cin, seed: UInt64(i + 80))
            let skip = hasResidual ? FiniteDifference.random(n * g.outPixels * cout, seed: UInt64(i + 120)) : nil
            let label = "case \(i) \(k)×\(k)/\(stride) pad \(pad) \(cin)→\(cout) n \(n) \(h)×\(w), \(engine)"
            ConvTiles.directWindows = false
            let rows = run(conv, x, n: n, h: h, w: w, residual: skip)
            ConvTiles.directWindows = true
            ConvTiles.windowPasses = false                  // one pass over the whole window: the im2col rows' sums
            let windows = run(conv, x, n: n, h: h, w: w, residual: skip)
            assertIdentical(windows, rows, label)
            // A budget that fits every image at once gives the same floats.
            assertIdentical(run(conv, x, n: n, h: h, w: w, residual: skip, budget: 1 << 20), rows, label + ", one chunk")
            let plain = run(conv, x, n: n, h: h, w: w, residual: skip, tiles: false)
            ConvGolden.assertClose(windows, plain, tolerance: 1e-4, label + " against the plain path")
            // A pass per window row (the AVX2 default): other sums, the plain path's output to rounding.
            ConvTiles.windowPasses = true
            ConvGolden.assertClose(run(conv, x, n: n, h: h, w: w, residual: skip), plain, tolerance: 1e-4,
                                   label + ", a pass per window row, against the plain path")
        }
    }

    /// A NaN pixel reaches exactly the outputs whose windows cover it, on both paths (padding never does).
    func testNaNInputReachesTheSameOutputs() {
        for engine in ConvEngine.available where engine.packed { engine.run { nanReachesTheSameOutputs(engine.rawValue) } }
    }

    private func nanReachesTheSameOutputs(_ engine: String) {
        let shape = Conv2DShape(inChannels: 3, outChannels: 64, kernel: 7, stride: 2, padding: .symmetric(3))
        let conv = Conv2D(shape: shape, oihw: FiniteDifference.random(64 * 3 * 49, seed: 5, scale: 0.2),
                          bias: FiniteDifference.random(64, seed: 6), activation: .identity).preparingPanels()
        var x = FiniteDifference.random(2 * 20 * 20 * 3, seed: 7)
        x[((1 * 20 + 0) * 20 + 19) * 3 + 2] = .nan                        // image 1, top-right corner
        x[((0 * 20 + 10) * 20 + 10) * 3] = .nan                           // image 0, centre
        ConvTiles.directWindows = false
        let rows = run(conv, x, n: 2, h: 20, w: 20, residual: nil)
        ConvTiles.directWindows = true
        ConvTiles.windowPasses = false
        let windows = run(conv, x, n: 2, h: 20, w: 20, residual: nil)
        assertIdentical(windows, rows, "NaN input, \(engine)")
        // Image 0's centre pixel lies in 3×3 output windows (oh, ow in 4…6), image 1's corner in 2×2 (oh 0…1, ow 8…9).
        XCTAssertEqual(windows.filter(\.isNaN).count, (9 + 4) * 64, "outputs reached by the NaN pixels, \(engine)")
        ConvTiles.windowPasses = true                       // a pass per window row: NaN in the same outputs
        XCTAssertEqual(run(conv, x, n: 2, h: 20, w: 20, residual: nil).map(\.isNaN), windows.map(\.isNaN),
                       "NaN input, a pass per window row, \(engine)")
    }
}
