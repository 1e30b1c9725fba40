import XCTest
@testable import ThawKernels

/// The AVX-512 and AVX2+FMA builds of the depthwise rows, the small-input (stem) convolution and the epilogues
/// against the PyTorch goldens and against the baseline build (every build this CPU runs: `KernelBuild`).
final class AVX512KernelsTests: XCTestCase {
    /// Every conv and depthwise golden, in the AVX-512, the AVX2 and the baseline build (those this CPU runs).
    func testGoldensInBothBuilds() throws {
        let builds = KernelBuild.vector + [.baseline]
        var stems = 0
        for build in builds { try build.run {
            for c in try ConvGolden.cases(kind: "conv") {
                let xs = c.xShape
                let conv = Conv2D(shape: Conv2DShape(inChannels: c.int("cin"), outChannels: c.int("cout"), kernel: c.int("k"),
                                                     stride: c.int("stride"), dilation: c.int("dilation"), groups: c.int("groups"),
                                                     padding: c.padding),
                                  oihw: try c.array("weight"), bias: c.shapes["bias"] == nil ? nil : try c.array("bias"),
                                  activation: c.activation)
                if conv.runsSmallInputKernel { stems += 1 }
                let y = conv.forward(Tensor(shape: xs, data: try c.array("x")), workspace: Workspace())
                XCTAssertEqual(y.shape, c.shapes["y"], c.name)
                ConvGolden.assertClose(y.data, try c.array("y"), "\(c.name), \(build)")
            }
            for c in try ConvGolden.cases(kind: "depthwise") {
                let dw = DepthwiseConv2D(channels: c.int("cin"), kernel: c.int("k"), stride: c.int("stride"),
                                         padding: c.padding, weightCHW: try c.array("weight"),
                                         bias: c.shapes["bias"] == nil ? nil : try c.array("bias"), activation: c.activation)
                let y = dw.forward(Tensor(shape: c.xShape, data: try c.array("x")))
                ConvGolden.assertClose(y.data, try c.array("y"), "\(c.name), \(build)")
            }
        } }
        // The two stem goldens and the strided 1×1 (patch 8, 16 outputs) take the small-input kernel in each vector build.
        XCTAssertEqual(stems, 3 * KernelBuild.vector.count, "goldens on the small-input kernel")
    }

    /// Each vector build (AVX-512, AVX2) agrees with the baseline to float rounding (fused multiply-adds), and the
    /// AVX2 build with the AVX-512 one bit for bit, on shapes with channel tails, 4-pixel blocks and edges, every
    /// padding and activation.
    func testAVX512AndBaselineAgree() throws {
        let builds = KernelBuild.vector
        guard !builds.isEmpty else { throw XCTSkip("this CPU has neither AVX-512 nor AVX2+FMA: only the baseline build runs") }
        func values(_ count: Int, _ seed: Int) -> [Float] { (0..<count).map { Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1 } }
        /// The first vector build's output and the baseline's; every other vector build must give the first's floats.
        func both(_ label: String, _ run: () -> [Float]) -> (fast: [Float], base: [Float]) {
            let outputs = builds.map { $0.run(run) }
            for (build, out) in zip(builds, outputs).dropFirst() {
                XCTAssertEqual(out.map(\.bitPattern), outputs[0].map(\.bitPattern), "\(label): \(build) vs \(builds[0])")
            }
            return (outputs[0], KernelBuild.baseline.run(run))
        }
        let ws = Workspace()
        for (c, k, s, pad, act) in [(96, 3, 1, Padding2D.same, Activation.relu6), (80, 5, 2, .same, .identity),
                                    (19, 3, 2, .symmetric(1), .relu), (144, 5, 1, .symmetric(2), .relu6)] {
            let (n, h, w) = (2, 11, 9)
            let x = Tensor(shape: [n, h, w, c], data: values(n * h * w * c, c))
            let dw = DepthwiseConv2D(channels: c, kernel: k, stride: s, padding: pad, weightCHW: values(c * k * k, k),
                                     bias: values(c, 3), activation: act)
            let r = both("depthwise c\(c) k\(k)") { dw.forward(x).data }
            assertCloseToScale(r.fast, r.base, tolerance: 1e-5, "depthwise c\(c) k\(k) s\(s)")
        }
        for (cin, cout, s, pad, bias) in [(3, 32, 2, Padding2D.same, true), (3, 16, 2, .symmetric(1), false),
                                          (1, 48, 1, .symmetric(1), true), (2, 32, 1, .same, true)] {
            let (n, h, w) = (2, 13, 15)
            let conv = Conv2D(shape: Conv2DShape(inChannels: cin, outChannels: cout, kernel: 3, stride: s, padding: pad),
                              oihw: values(cout * cin * 9, cout), bias: bias ? values(cout, 5) : nil, activation: .relu6)
            let x = Tensor(shape: [n, h, w, cin], data: values(n * h * w * cin, cin))
            let r = both("small-input conv \(cin)→\(cout)") {
                XCTAssertEqual(conv.runsSmallInputKernel, VectorISA.packedKernels)
                return conv.forward(x, workspace: ws).data
            }
            assertCloseToScale(r.fast, r.base, tolerance: 1e-5, "small-input conv \(cin)→\(cout) s\(s)")
        }
        // Epilogues and residual adds: the same additions and comparisons, bit for bit.
        let y0 = values(37 * 45, 1).map { $0 * 8 }, skip = values(37 * 45, 2), b = values(45, 4)
        for act in [Activation.identity, .relu, .relu6] {
            let r = both("epilogue \(act)") {
                var y = y0
                y.withUnsafeMutableBufferPointer { yb in
                    b.withUnsafeBufferPointer { biasActivation(yb.baseAddress!, rows: 37, channels: 45, ldy: 45, bias: $0.baseAddress!, activation: act) }
                    skip.withUnsafeBufferPointer { residualAdd($0.baseAddress!, into: yb.baseAddress!, count: yb.count, activation: act) }
                }
                return y
            }
            XCTAssertEqual(r.fast, r.base, "epilogue + residual, \(act)")
        }
    }
}

/// max |got − ref| ≤ tolerance · max |ref| (how the backbones' taps are compared; an element-wise
/// relative bound would flag cancellations in sums of hundreds of terms, where the two builds'
/// roundings legitimately differ).
func assertCloseToScale(_ got: [Float], _ ref: [Float], tolerance: Float, _ label: String,
                        file: StaticString = #filePath, line: UInt = #line) {
    guard got.count == ref.count else { return XCTFail("\(label): \(got.count) values, reference \(ref.count)", file: file, line: line) }
    let scale = max(ref.map(abs).max() ?? 0, 1e-30)
    var worst: Float = 0
    for (g, r) in zip(got, ref) {
        let e = abs(g - r)
        if !(e <= worst) { worst = e }          // NaN stays worst
    }
    XCTAssert(worst / scale <= tolerance, "\(label): max |Δ| \(worst) = \(worst / scale) of max |ref| \(scale)", file: file, line: line)
}
