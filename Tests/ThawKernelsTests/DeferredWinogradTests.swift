import Dispatch
import XCTest
@testable import ThawKernels

/// `Conv2D.deferringWinograd()`: U is computed by the first forward that takes the Winograd path, once even
/// when forwards run concurrently, from `weight` or the panels, and gives exactly the output of U computed at
/// load (`preparingWinograd()`); forwards where Winograd does not pay never compute it.
final class DeferredWinogradTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(VectorISA.avx2FMA, "this CPU lacks AVX2 + FMA: Winograd never runs")
    }

    override func tearDown() { WinogradChoice.policy = .automatic }

    private func conv(_ cin: Int, _ cout: Int, seed: UInt64) -> Conv2D {
        Conv2D(shape: Conv2DShape(inChannels: cin, outChannels: cout, kernel: 3, padding: .symmetric(1)),
               oihw: FiniteDifference.random(cout * cin * 9, seed: seed, scale: 0.2),
               bias: FiniteDifference.random(cout, seed: seed + 1), activation: .relu)
    }

    private func forward(_ c: Conv2D, _ x: Tensor) -> [Float] {
        var y = [Float](repeating: -7, count: x.shape[0] * x.shape[1] * x.shape[2] * c.shape.outChannels)
        x.data.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                _ = c.forward(xb.baseAddress!, batch: x.shape[0], height: x.shape[1], width: x.shape[2], adding: nil,
                              into: yb.baseAddress!, workspace: Workspace())
            }
        }
        return y
    }

    func testComputedOnFirstWinogradForwardOnlyAndEqualToEager() {
        // Cout 64 (U in panels on AVX-512) and 48 (plain U); deferred after the panels or on `weight`.
        for (i, (cin, cout)) in [(64, 64), (32, 48), (16, 128)].enumerated() {
            let base = conv(cin, cout, seed: UInt64(10 * i + 1))
            let eager = base.preparingWinograd()
            for deferred in [base.preparingPanels().deferringWinograd(), base.deferringWinograd().preparingPanels()] {
                let label = "\(cin)→\(cout), panels \(deferred.panelWeight != nil)"
                XCTAssertFalse(deferred.deferredWinogradIsComputed, label)
                // 4×4 map at batch 1: one tile, Winograd does not pay, U stays uncomputed.
                let small = Tensor(shape: [1, 4, 4, cin], data: FiniteDifference.random(16 * cin, seed: 3))
                ConvGolden.assertClose(forward(deferred, small), forward(base, small), tolerance: 1e-4, label + ", im2col")
                XCTAssertFalse(deferred.deferredWinogradIsComputed, label + ": a forward that did not run Winograd")
                let floatsBefore = deferred.filterFloats
                // 20×20 map: 25 tiles, Winograd pays.
                let large = Tensor(shape: [2, 20, 20, cin], data: FiniteDifference.random(800 * cin, seed: 4))
                let got = forward(deferred, large)
                XCTAssertTrue(deferred.deferredWinogradIsComputed, label)
                XCTAssertEqual(deferred.filterFloats - floatsBefore, 36 * cin * cout, label)
                XCTAssertEqual(got, forward(eager, large), label + ": the same floats as U computed at load")
                let copy = deferred
                XCTAssertEqual(forward(copy, large), got, label + ", a copy reads the same U")
                XCTAssertEqual(deferred.deferredWinograd?.computations, 1, label)
            }
        }
    }

    func testConcurrentForwardsComputeOnce() {
        let deferred = conv(64, 64, seed: 30).preparingPanels().deferringWinograd()
        let x = Tensor(shape: [1, 24, 24, 64], data: FiniteDifference.random(24 * 24 * 64, seed: 31))
        let want = forward(conv(64, 64, seed: 30).preparingWinograd(), x)
        let results = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: 6)
        results.initialize(repeating: [])
        defer { results.deinitialize(); results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 6) { i in results[i] = forward(deferred, x) }
        for i in 0..<6 { XCTAssertEqual(results[i], want, "forward \(i)") }
        XCTAssertEqual(deferred.deferredWinograd?.computations, 1)
    }

    func testPolicyNeverLeavesItUncomputed() {
        WinogradChoice.policy = .never
        let deferred = conv(16, 16, seed: 40).deferringWinograd()
        _ = forward(deferred, Tensor(shape: [2, 20, 20, 16], data: FiniteDifference.random(800 * 16, seed: 41)))
        XCTAssertFalse(deferred.deferredWinogradIsComputed)
        XCTAssertEqual(deferred.filterFloats, 9 * 16 * 16)
    }
}
