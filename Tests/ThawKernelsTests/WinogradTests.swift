import XCTest
@testable import ThawKernels
import ThawBLAS

/// Winograd F(4×4, 3×3) against PyTorch's float64 goldens, a float64 direct convolution and the
/// im2col path, including edge tiles, padding kinds, epilogues and chunks that straddle images.
final class WinogradTests: XCTestCase {
    override func setUpWithError() throws {
        // Without AVX2 + FMA every convolution stays on im2col (the tile kernels need them): nothing here to test.
        try XCTSkipUnless(VectorISA.avx2FMA, "this CPU lacks AVX2/FMA: Winograd never runs on it")
    }

    override func tearDown() {
        WinogradChoice.policy = .automatic
        WinogradChoice.chunkFloats = 1 << 21
    }

    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var s = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            s ^= s << 13; s ^= s >> 7; s ^= s << 17
            return Float(s >> 40) * 0x1p-24 * 2 - 1
        }
    }

    /// act(conv(x) + bias) in Float64, straight from the definition (x NHWC, w OIHW).
    private func direct(_ x: [Float], n: Int, h: Int, w: Int, _ shape: Conv2DShape, oihw: [Float], bias: [Float]?,
                        activation: Activation) -> [Float] {
        let g = shape.geometry(height: h, width: w)
        let cin = shape.inChannels, cout = shape.outChannels
        var y = [Float](repeating: 0, count: n * g.outPixels * cout)
        for b in 0..<n {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    for o in 0..<cout {
                        var s = Double(bias?[o] ?? 0)
                        for ky in 0..<3 {
                            let iy = oy - g.pad.top + ky
                            guard iy >= 0 && iy < h else { continue }
                            for kx in 0..<3 {
                                let ix = ox - g.pad.left + kx
                                guard ix >= 0 && ix < w else { continue }
                                for i in 0..<cin {
                                    s += Double(x[((b * h + iy) * w + ix) * cin + i]) * Double(oihw[((o * cin + i) * 3 + ky) * 3 + kx])
                                }
                            }
                        }
                        let v: Double
                        switch activation {
                        case .identity: v = s
                        case .relu: v = max(s, 0)
                        case .relu6: v = min(max(s, 0), 6)
                        }
                        y[((b * g.outHeight + oy) * g.outWidth + ox) * cout + o] = Float(v)
                    }
                }
            }
        }
        return y
    }

    /// max |got − want| / max |want| (NaN when any value is NaN, which fails every bound).
    private func errorOverMax(_ got: [Float], _ want: [Float]) -> Float {
        precondition(got.count == want.count && !want.isEmpty, "errorOverMax: counts differ")
        var worst: Float = 0, scale: Float = 0
        for i in 0..<want.count {
            let e = abs(got[i] - want[i])
            if e.isNaN { return .nan }
            worst = max(worst, e); scale = max(scale, abs(want[i]))
        }
        return worst / max(scale, 1e-30)
    }

    private func assertWithin(_ got: [Float], _ want: [Float], _ bound: Float, _ label: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        let e = errorOverMax(got, want)
        XCTAssertTrue(e <= bound, "\(label): max |error| / max |reference| = \(e) > \(bound)", file: file, line: line)
    }

    private func forward(_ conv: Conv2D, _ x: [Float], n: Int, h: Int, w: Int, policy: WinogradChoice.Policy) -> [Float] {
        WinogradChoice.policy = policy
        defer { WinogradChoice.policy = .automatic }
        return conv.forward(Tensor(shape: [n, h, w, conv.shape.inChannels], data: x), workspace: Workspace()).data
    }

    func testPyTorchGoldenThroughWinograd() throws {
        let cases = try ConvGolden.cases(kind: "conv").filter {
            Conv2DShape(inChannels: $0.int("cin"), outChannels: $0.int("cout"), kernel: $0.int("k"), stride: $0.int("stride"),
                        dilation: $0.int("dilation"), groups: $0.int("groups"), padding: $0.padding).allowsWinograd
        }
        XCTAssertEqual(cases.map(\.name), ["conv3x3_s1_bigger"], "the fixtures Winograd can run")
        for c in cases {
            let shape = Conv2DShape(inChannels: c.int("cin"), outChannels: c.int("cout"), kernel: 3, padding: c.padding)
            let conv = Conv2D(shape: shape, oihw: try c.array("weight"),
                              bias: c.shapes["bias"] == nil ? nil : try c.array("bias"), activation: c.activation).preparingWinograd()
            let xs = c.xShape
            let y = forward(conv, try c.array("x"), n: xs[0], h: xs[1], w: xs[2], policy: .always)
            // Per element (ConvGolden's metric) F(4×4, 3×3) is ~10× coarser than im2col (2.4e-4 here against
            // 1e-5): its transforms scale values by up to 8 before they cancel. Against the largest output
            // it stays far inside the backbones' 1e-4 parity.
            assertWithin(y, try c.array("y"), 1e-5, c.name + " winograd")
        }
    }

    /// Edge tiles (sizes not multiples of 4), padding 0/1/2 and SAME, all epilogues, with and without bias, on every
    /// engine this CPU runs; Cout a multiple of 64 keeps U (and, packed, the weights) in panels for the panel kernel.
    func testMatchesFloat64DirectConvolution() {
        for engine in ConvEngine.available { engine.run { matchesFloat64DirectConvolution(engine) } }
    }

    private func matchesFloat64DirectConvolution(_ engine: ConvEngine) {
        let cases: [(n: Int, h: Int, w: Int, cin: Int, cout: Int, pad: Padding2D, act: Activation, bias: Bool)] = [
            (1, 8, 8, 8, 8, .symmetric(1), .identity, true),
            (2, 7, 5, 16, 8, .symmetric(1), .relu, true),
            (1, 9, 14, 8, 24, .none, .relu6, false),
            (3, 6, 11, 24, 16, .symmetric(2), .relu, true),
            (1, 13, 10, 32, 40, .same, .identity, false),
            (1, 3, 3, 8, 8, .symmetric(1), .identity, true),
            (1, 9, 10, 16, 64, .symmetric(1), .relu, true),
            (2, 7, 6, 32, 128, .same, .identity, false),
        ]
        for (k, c) in cases.enumerated() {
            let shape = Conv2DShape(inChannels: c.cin, outChannels: c.cout, kernel: 3, padding: c.pad)
            let oihw = values(c.cout * c.cin * 9, seed: UInt64(10 + k)).map { $0 * 0.3 }
            let bias = c.bias ? values(c.cout, seed: UInt64(50 + k)) : nil
            let x = values(c.n * c.h * c.w * c.cin, seed: UInt64(90 + k))
            var conv = Conv2D(shape: shape, oihw: oihw, bias: bias, activation: c.act).preparingWinograd()
            if c.cout % 64 == 0 { conv = conv.preparingPanels() }
            // Panels at load where the panel kernels run, and on every AVX-512 CPU (`PanelKernel.packsPanels`: the baseline
            // engine there reads them one sgemm per panel).
            let panels = (engine.packed || CPUFeatures.current.hasAVX512) && c.cout % 64 == 0
            XCTAssertEqual(conv.winogradFilterInPanels, panels, "case \(k), \(engine.rawValue)")
            let want = direct(x, n: c.n, h: c.h, w: c.w, shape, oihw: oihw, bias: bias, activation: c.act)
            let label = "case \(k): \(c.n)×\(c.h)×\(c.w)×\(c.cin)→\(c.cout) \(c.pad) \(c.act), \(engine.rawValue)"
            let winograd = forward(conv, x, n: c.n, h: c.h, w: c.w, policy: .always)
            let im2col = forward(conv, x, n: c.n, h: c.h, w: c.w, policy: .never)
            print("\(label): max |error| / max |y|: winograd \(errorOverMax(winograd, want)), im2col \(errorOverMax(im2col, want))")
            assertWithin(winograd, want, 1e-5, label + " winograd")
            assertWithin(im2col, want, 1e-6, label + " im2col")
        }
    }

    /// A tiny chunk budget forces the 64-tile minimum: 3 images of 12 tiles each run in chunks that
    /// straddle images; results equal one whole-batch chunk's to Winograd's rounding (OpenBLAS picks
    /// other kernels for other GEMM sizes; a tile in the wrong place would be off by O(1)).
    func testChunksStraddlingImagesMatchOneChunk() {
        let shape = Conv2DShape(inChannels: 16, outChannels: 16, kernel: 3, padding: .symmetric(1))
        let oihw = values(16 * 16 * 9, seed: 3)
        let conv = Conv2D(shape: shape, oihw: oihw, bias: values(16, seed: 4), activation: .relu).preparingWinograd()
        let n = 11, h = 15, w = 13                                   // 4 × 4 = 16 tiles per image, 176 in all
        let x = values(n * h * w * 16, seed: 5)
        let whole = forward(conv, x, n: n, h: h, w: w, policy: .always)
        WinogradChoice.chunkFloats = 1
        XCTAssertEqual(WinogradChoice.tilesPerChunk(total: 176, inChannels: 16, outChannels: 16), 59, "3 balanced chunks")
        let chunked = forward(conv, x, n: n, h: h, w: w, policy: .always)
        assertWithin(chunked, whole, 1e-5, "3 chunks against 1")     // measured 2.6e-6: GEMM rounding, amplified by Aᵀ·A
    }

    /// The measured crossover on ResNet's 3×3 stride-1 layers at 224: all of them from batch 1; through sgemm
    /// except layer4 (7×7×512, 4 tiles per image) below batch 16, where reading U costs more than it saves;
    /// on the AVX-512 panel kernel (U read in place) layer4 too.
    func testAutomaticChoiceFollowsTheMeasuredCrossover() {
        func pays(_ n: Int, _ size: Int, _ c: Int, panels: Bool = false) -> Bool {
            WinogradChoice.pays(batch: n, outHeight: size, outWidth: size, inChannels: c, outChannels: c, onPanelKernel: panels)
        }
        for panels in [false, true] {
            for (size, c) in [(56, 64), (28, 128), (14, 256)] { XCTAssertTrue(pays(1, size, c, panels: panels), "\(size)×\(size)×\(c) b1") }
            XCTAssertTrue(pays(16, 7, 512, panels: panels)); XCTAssertTrue(pays(32, 7, 512, panels: panels))
            XCTAssertFalse(pays(1, 4, 256, panels: panels), "one tile is too few")
        }
        XCTAssertFalse(pays(1, 7, 512)); XCTAssertFalse(pays(8, 7, 512))
        XCTAssertFalse(pays(1, 8, 64), "through sgemm 4 tiles are too few at any width")
        XCTAssertTrue(pays(1, 7, 512, panels: true), "on the panel kernel layer4 at batch 1")
        XCTAssertEqual(WinogradChoice.pays(batch: 1, outHeight: 7, outWidth: 7, inChannels: 512, outChannels: 512),
                       VectorISA.avx512 && ConvTiles.panelKernel, "the rule of this CPU's GEMM path")
        // The policy overrides the rule; without a prepared filter nothing changes.
        let geo = WindowGeometry(inHeight: 7, inWidth: 7, kernel: (3, 3), padding: .symmetric(1))
        let shape = Conv2DShape(inChannels: 512, outChannels: 512, kernel: 3, padding: .symmetric(1))
        WinogradChoice.policy = .always
        XCTAssertTrue(WinogradChoice.use(batch: 1, geometry: geo, shape: shape))
        WinogradChoice.policy = .never
        XCTAssertFalse(WinogradChoice.use(batch: 64, geometry: geo, shape: shape))
    }

    func testFilterIsTransformedOnlyForShapesThatAllowIt() {
        let ok = Conv2D(shape: Conv2DShape(inChannels: 16, outChannels: 8, kernel: 3, padding: .symmetric(1)),
                        oihw: values(16 * 8 * 9, seed: 1)).preparingWinograd()
        XCTAssertEqual(ok.winogradFilter?.count, 36 * 16 * 8)
        for shape in [Conv2DShape(inChannels: 16, outChannels: 8, kernel: 3, stride: 2, padding: .symmetric(1)),
                      Conv2DShape(inChannels: 12, outChannels: 8, kernel: 3, padding: .symmetric(1)),
                      Conv2DShape(inChannels: 16, outChannels: 16, kernel: 3, groups: 2, padding: .symmetric(1)),
                      Conv2DShape(inChannels: 16, outChannels: 8, kernel: 3, dilation: 2, padding: .symmetric(2)),
                      Conv2DShape(inChannels: 16, outChannels: 8, kernel: 1)] {
            let conv = Conv2D(shape: shape, oihw: values(shape.outChannels * shape.patchSize, seed: 2)).preparingWinograd()
            XCTAssertNil(conv.winogradFilter, "\(shape)")
        }
    }

    /// Folding BatchNorm after preparing would leave U stale: the fold returns a convolution without it.
    func testFoldingDropsAStaleFilter() {
        let shape = Conv2DShape(inChannels: 8, outChannels: 8, kernel: 3, padding: .symmetric(1))
        let conv = Conv2D(shape: shape, oihw: values(8 * 8 * 9, seed: 6)).preparingWinograd()
        let bn = BatchNorm(gamma: values(8, seed: 7), beta: values(8, seed: 8), runningMean: values(8, seed: 9),
                           runningVar: values(8, seed: 10).map { $0 + 2 }, eps: 1e-5)
        XCTAssertNil(conv.foldingBatchNorm(bn).winogradFilter)
    }
}
