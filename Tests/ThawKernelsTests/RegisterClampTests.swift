import XCTest
@testable import ThawKernels

/// The AVX-512 1×1 kernel's epilogue clamps in registers (`VectorISA.registerClamp`) or after the store
/// (default): the same floats either way (bit for bit, NaN in the same places), and both match the baseline
/// build. Inputs reach past the ReLU6 bounds on both sides, so the clamp is exercised.
final class RegisterClampTests: XCTestCase {
    private func values(_ count: Int, _ seed: Int, scale: Float) -> [Float] {
        (0..<count).map { scale * (Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1) }
    }

    private func with<R>(avx512: Bool, registers: Bool, _ body: () -> R) -> R {
        let saved = (VectorISA.avx512, VectorISA.registerClamp)
        VectorISA.avx512 = avx512
        VectorISA.registerClamp = registers
        defer { (VectorISA.avx512, VectorISA.registerClamp) = saved }
        return body()
    }

    private func assertSame(_ a: [Float], _ b: [Float], _ label: String) {
        XCTAssertEqual(a.count, b.count, label)
        XCTAssertEqual(a.map(\.isNaN), b.map(\.isNaN), "\(label): NaNs in the same places")
        XCTAssertEqual(a.filter { !$0.isNaN }.map(\.bitPattern), b.filter { !$0.isNaN }.map(\.bitPattern), "\(label): the same floats")
    }

    /// Column counts with whole and partial vectors in the last panel (N mod 32 = 0, 8, 16, 24; N < 16).
    func testPointwiseRegisterClampMatchesMemoryClamp() {
        for (k, n) in [(16, 96), (24, 144), (40, 240), (96, 24), (33, 40), (7, 8)] {
            for act in [Activation.relu6, .relu, .identity] {
                let conv = Conv2D(shape: Conv2DShape(inChannels: k, outChannels: n, kernel: 1), oihw: values(n * k, k + n, scale: 1.5),
                                  bias: values(n, 3, scale: 2), activation: act)
                let packed = PackedPointwise(conv)
                let rows = 13
                var x = values(rows * k, rows, scale: 3)
                x[5 * k + k / 2] = .nan
                let residual = act == .identity ? values(rows * n, 9, scale: 4) : nil
                func run(_ avx512: Bool, _ registers: Bool) -> [Float] {
                    var y: [Float] = []
                    with(avx512: avx512, registers: registers) { y = packed.forward(x, rows: rows, residual: residual, fill: -7) }
                    return y
                }
                let label = "1×1 K\(k) N\(n) \(act)"
                let base = run(false, true)
                XCTAssertTrue((0..<n).allSatisfy { base[5 * n + $0].isNaN }, "\(label): the NaN row")
                if act != .identity { XCTAssertTrue(base.contains(0) && (act != .relu6 || base.contains(6)), "\(label): both bounds reached") }
                guard VectorISA.avx512 else { continue }
                let registers = run(true, true), memory = run(true, false)
                assertSame(registers, memory, "\(label): registers vs memory")
                let finite = zip(registers, base).filter { $0.1.isFinite }
                XCTAssertEqual(registers.filter(\.isNaN).count, base.filter(\.isNaN).count, "\(label): NaNs vs baseline")
                assertCloseToScale(finite.map(\.0), finite.map(\.1), tolerance: 1e-5, "\(label): AVX-512 vs baseline")
            }
        }
    }
}
