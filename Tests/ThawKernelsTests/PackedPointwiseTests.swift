import XCTest
@testable import ThawKernels

/// The packed 1×1 kernel (AVX-512 and AVX2 builds and the BLAS fallback) against `Conv2D.forward`'s plain path,
/// the phased small-map block against the same layers run one by one, and the phase order of `PhaseChain.run(counts:)`.
final class PackedPointwiseTests: XCTestCase {
    private func values(_ count: Int, _ seed: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { scale * (Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1) }
    }

    /// Every build: the AVX-512 and AVX2 kernels where the CPU has them, and always the baseline (BLAS) fallback.
    private var builds: [KernelBuild] { KernelBuild.all }

    private func withISA<R>(_ build: KernelBuild, _ body: () throws -> R) rethrows -> R { try build.run(body) }

    private func plain(_ conv: Conv2D, _ x: [Float], rows: Int, residual: [Float]?) -> [Float] {
        var y = conv.forward(Tensor(shape: [1, rows, 1, conv.shape.inChannels], data: x), workspace: Workspace()).data
        if let residual { for i in y.indices { y[i] += residual[i] } }
        return y
    }

    /// Column counts on and off the 32-wide panels (N mod 32 = 0, 8, 16, 24, and N < 16), row counts on and off
    /// the 8-row (AVX-512) and 6-/4-row (AVX2) tiles, with and without bias, ReLU6 and identity, a residual; every panel and a panel subrange.
    func testMatchesPlainConvolution() {
        for (k, n) in [(16, 96), (24, 144), (40, 240), (96, 24), (112, 672), (320, 1280), (7, 8), (33, 40)] {
            for act in [Activation.relu6, .identity] {
                for withBias in [true, false] {
                    let conv = Conv2D(shape: Conv2DShape(inChannels: k, outChannels: n, kernel: 1), oihw: values(n * k, k + n, scale: 0.5),
                                      bias: withBias ? values(n, 3) : nil, activation: act)
                    let packed = PackedPointwise(conv)
                    for rows in [1, 5, 7, 8, 11, 13, 49] {
                        let x = values(rows * k, rows)
                        let residual = act == .identity ? values(rows * n, 9) : nil
                        let want = plain(conv, x, rows: rows, residual: residual)
                        for fast in builds {
                            var y: [Float] = []
                            withISA(fast) { y = packed.forward(x, rows: rows, residual: residual, fill: .nan) }
                            assertCloseToScale(y, want, tolerance: 1e-5, "K\(k) N\(n) \(act) bias \(withBias) rows \(rows) \(fast)")
                        }
                    }
                    // One panel range: columns outside it stay untouched.
                    guard packed.panelCount > 1 else { continue }
                    let rows = 13, x = values(rows * k, 5), want = plain(conv, x, rows: rows, residual: nil)
                    for fast in builds {
                        var y = [Float](repeating: -7, count: rows * n)
                        withISA(fast) {
                            x.withUnsafeBufferPointer { xb in
                                y.withUnsafeMutableBufferPointer { packed.forward(xb.baseAddress!, rows: rows, panels: 1..<2, into: $0.baseAddress!) }
                            }
                        }
                        for r in 0..<rows {
                            for j in 0..<n {
                                let inside = (32..<64).contains(j)
                                let got = y[r * n + j], expect = inside ? want[r * n + j] : -7
                                XCTAssert(abs(got - expect) <= 1e-4 * max(1, abs(expect)), "K\(k) N\(n) panel 1 \(fast): [\(r), \(j)] \(got) vs \(expect)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// A NaN in the input reaches the output through either build (the comparison is NaN-aware: a NaN fails it).
    func testNaNInputPropagates() {
        let conv = Conv2D(shape: Conv2DShape(inChannels: 24, outChannels: 40, kernel: 1), oihw: values(960, 1), bias: values(40, 2))
        let packed = PackedPointwise(conv)
        var x = values(9 * 24, 3)
        x[4 * 24 + 5] = .nan
        for fast in builds {
            var y = [Float](repeating: 0, count: 9 * 40)
            withISA(fast) {
                x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { packed.forward(xb.baseAddress!, rows: 9, into: $0.baseAddress!) } }
            }
            XCTAssertTrue((0..<40).allSatisfy { y[4 * 40 + $0].isNaN }, "\(fast): row 4 should be NaN")
            XCTAssertTrue(y[..<(4 * 40)].allSatisfy(\.isFinite) && y[(5 * 40)...].allSatisfy(\.isFinite), "\(fast): other rows finite")
        }
    }

    /// The head's multi-core entry: 49 rows × 1280 columns equal the plain path; many rows decline (BLAS path).
    func testForwardParallelMatchesPlain() {
        let conv = Conv2D(shape: Conv2DShape(inChannels: 320, outChannels: 1280, kernel: 1), oihw: values(1280 * 320, 4, scale: 0.1),
                          bias: values(1280, 5), activation: .relu6)
        let packed = PackedPointwise(conv)
        let x = values(49 * 320, 6), want = plain(conv, x, rows: 49, residual: nil)
        var y = [Float](repeating: .nan, count: 49 * 1280)
        let ran = x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { packed.forwardParallel(xb.baseAddress!, rows: 49, into: $0.baseAddress!, cores: 2) } }
        XCTAssertEqual(ran, VectorISA.packedKernels && PackedPointwise.enabled)
        if ran { assertCloseToScale(y, want, tolerance: 1e-5, "head 49 rows") }
        let declined = x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { packed.forwardParallel(xb.baseAddress!, rows: 2000, into: $0.baseAddress!) } }
        XCTAssertFalse(declined)
    }

    /// Units of a phase start only after every unit of the phases before it finished (an empty phase in between
    /// included), each unit runs once, and one thread alone finishes everything.
    func testPhaseChainCountsKeepPhaseOrder() {
        for workers in [1, 2, 4] {
            for counts in [[5, 0, 7], [0, 3, 1], [9], [2, 6]] {
                let log = Log()
                PhaseChain.run(counts: counts, workers: workers) { phase, unit, _ in
                    log.append(start: phase, unit)
                    usleep(UInt32(50 * (unit % 3)))
                    log.append(end: phase, unit)
                }
                let events = log.events
                for (p, c) in counts.enumerated() {
                    XCTAssertEqual(Set(events.filter { $0.start && $0.phase == p }.map(\.unit)), Set(0..<c), "\(counts) phase \(p)")
                    guard let firstStart = events.firstIndex(where: { $0.start && $0.phase == p }) else { continue }
                    for q in 0..<p {
                        let lastEnd = events.lastIndex { !$0.start && $0.phase == q } ?? -1
                        XCTAssertLessThan(lastEnd, firstStart, "\(counts) workers \(workers): phase \(p) started before phase \(q) ended")
                    }
                }
            }
        }
    }

    private final class Log: @unchecked Sendable {
        struct Event { var start: Bool, phase: Int, unit: Int }
        private let lock = NSLock()
        private(set) var events: [Event] = []
        func append(start phase: Int, _ unit: Int) { lock.lock(); events.append(Event(start: true, phase: phase, unit: unit)); lock.unlock() }
        func append(end phase: Int, _ unit: Int) { lock.lock(); events.append(Event(start: false, phase: phase, unit: unit)); lock.unlock() }
    }
}
