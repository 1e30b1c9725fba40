import XCTest
@testable import ThawKernels

/// The AVX2 depthwise rows by channel groups clamped in registers before the store (`VectorISA.depthwiseRegisterClamp`,
/// the default) against stored and clamped in L1: the same bits on every path the groups take (interior runs of four,
/// border pixels, 7-wide clipped runs, channel slabs, a last 8 channels), with a NaN input, outputs of −0 and +0 at the
/// lower bound, and outputs above the upper one; and against a float64 reference.
final class DepthwiseRegisterClampTests: XCTestCase {
    private func values(_ count: Int, _ seed: Int) -> [Float] { (0..<count).map { Float(($0 * 7919 + seed * 104_729) % 2003) / 250 - 4 } }

    private func run(_ dw: DepthwiseConv2D, _ x: Tensor, registers: Bool) -> [Float] {
        let saved = VectorISA.depthwiseRegisterClamp
        VectorISA.depthwiseRegisterClamp = registers
        defer { VectorISA.depthwiseRegisterClamp = saved }
        return KernelBuild.avx2.run { dw.forward(x).data }
    }

    func testRegisterClampChangesNoBit() throws {
        try XCTSkipUnless(KernelBuild.vector.contains(.avx2), "this CPU lacks AVX2 + FMA: the AVX2 kernels never run")
        let configs: [(c: Int, k: Int, s: Int, pad: Padding2D, act: Activation)] = [
            (32, 3, 1, .symmetric(1), .relu6), (96, 3, 2, .same, .relu6), (144, 5, 2, .same, .relu6), (40, 5, 1, .same, .relu),
            (24, 3, 1, .symmetric(1), .relu6), (16, 3, 1, .symmetric(1), .identity),
        ]
        for cfg in configs {
            for (n, h, w) in [(1, 7, 7), (1, 14, 14), (2, 5, 13), (1, 12, 23)] {
                var data = values(n * h * w * cfg.c, cfg.c + w)
                data[(h / 2 * w + w / 2) * cfg.c + 3] = .nan            // the middle pixel of image 0, channel 3
                var weights = values(cfg.c * cfg.k * cfg.k, cfg.k)
                var bias = values(cfg.c, 3)
                // Channel 1: inputs +0, weights and bias −0, so every sum is −0 (ReLU/ReLU6 give +0 by Swift's max).
                for t in 0..<cfg.k * cfg.k { weights[1 * cfg.k * cfg.k + t] = -0.0 }
                for p in 0..<n * h * w { data[p * cfg.c + 1] = 0 }
                bias[1] = -0.0
                let x = Tensor(shape: [n, h, w, cfg.c], data: data)
                let dw = DepthwiseConv2D(channels: cfg.c, kernel: cfg.k, stride: cfg.s, padding: cfg.pad,
                                         weightCHW: weights, bias: bias, activation: cfg.act)
                let label = "c\(cfg.c) k\(cfg.k) s\(cfg.s) \(cfg.act) \(n)×\(h)×\(w)"
                let inRegisters = run(dw, x, registers: true), inL1 = run(dw, x, registers: false)
                XCTAssertEqual(inRegisters.map(\.bitPattern), inL1.map(\.bitPattern), label)
                XCTAssertTrue(inRegisters.contains { $0.isNaN }, "\(label): the NaN should reach the output")
                if cfg.act == .relu6 { XCTAssertTrue(inRegisters.contains(6), "\(label): some outputs clamped to 6") }
                let channel1 = stride(from: 1, to: inRegisters.count, by: cfg.c).map { inRegisters[$0] }
                let sign: FloatingPointSign = cfg.act == .identity ? .minus : .plus    // −0 passes unclamped; max(−0, +0) = +0
                XCTAssertTrue(channel1.allSatisfy { $0 == 0 && $0.sign == sign }, "\(label): channel 1 should be \(sign) zero")
                // Float64 reference of the clamped sums (finite outputs).
                let ref = reference(x: data, n: n, h: h, w: w, cfg.c, cfg.k, dw, weights: weights, bias: bias, act: cfg.act)
                XCTAssertEqual(ref.count, inRegisters.count, label)
                var worst = 0.0
                for (got, want) in zip(inRegisters, ref) where want.isFinite { worst = max(worst, abs(Double(got) - want)) }
                XCTAssertLessThan(worst, 1e-4, "\(label): against float64")
            }
        }
    }

    /// y[n, oy, ox, c] = act(bias[c] + Σ x[iy, ix, c]·w[c, ky, kx]) in float64, the layer's own geometry; NaN where a NaN tap is summed.
    private func reference(x: [Float], n: Int, h: Int, w: Int, _ c: Int, _ k: Int, _ dw: DepthwiseConv2D,
                           weights: [Float], bias: [Float], act: Activation) -> [Double] {
        let g = dw.geometry(height: h, width: w)
        var y = [Double]()
        for b in 0..<n {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    for ch in 0..<c {
                        var sum = Double(bias[ch])
                        for ky in 0..<k {
                            let iy = oy * g.strideH - g.pad.top + ky
                            guard iy >= 0 && iy < h else { continue }
                            for kx in 0..<k {
                                let ix = ox * g.strideW - g.pad.left + kx
                                guard ix >= 0 && ix < w else { continue }
                                sum += Double(x[((b * h + iy) * w + ix) * c + ch]) * Double(weights[(ch * k + ky) * k + kx])
                            }
                        }
                        switch act {
                        case .relu6: y.append(sum.isNaN ? sum : min(max(sum, 0), 6))
                        case .relu: y.append(sum.isNaN ? sum : max(sum, 0))
                        default: y.append(sum)
                        }
                    }
                }
            }
        }
        return y
    }
}
