import XCTest
@testable import ThawKernels

/// ReLU, ReLU6, GELU, softmax and the residual add.
final class ActivationBackwardTests: XCTestCase {
    func testReLUAndReLU6FiniteDifferences() {
        for act in [Activation.relu, .relu6] {
            // Values spread over (−9, 9), none within ε of the kinks at 0 and 6.
            var x = FiniteDifference.random(200, seed: 11, scale: 4).map { abs($0.remainder(dividingBy: 1)) < 0.05 || abs(($0 - 6).remainder(dividingBy: 1)) < 0.05 ? $0 + 0.3 : $0 }
            let r = FiniteDifference.random(200, seed: 12)
            func f(_ v: [Float]) -> [Float] { var y = v; y.withUnsafeMutableBufferPointer { act.apply($0.baseAddress!, count: v.count) }; return y }
            let y = f(x)
            var dx = [Float](repeating: 0, count: 200)
            act.backward(y: y, dy: r, count: 200, dx: &dx)
            FiniteDifference.check("\(act) dx", &x, analytic: dx, samples: 200) { FiniteDifference.dot(f($0), r) }
        }
    }

    private func gelu(_ v: [Float]) -> [Float] {
        var y = v
        v.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { GELU.forward(x: xb.baseAddress!, count: v.count, y: $0.baseAddress!) } }
        return y
    }

    func testGELUMatchesPyTorch() throws {
        let x = try BackwardGolden.load("gelu.x"), dy = try BackwardGolden.load("gelu.dy")
        var dx = [Float](repeating: 0, count: x.count)
        GELU.backward(x: x, dy: dy, count: x.count, dx: &dx)
        BackwardGolden.assertClose(dx, try BackwardGolden.load("gelu.dx"), "gelu dx")
    }

    func testGELUFiniteDifferences() {
        var x = FiniteDifference.random(100, seed: 13, scale: 2)
        let r = FiniteDifference.random(100, seed: 14)
        var dx = [Float](repeating: 0, count: 100)
        GELU.backward(x: x, dy: r, count: 100, dx: &dx)
        FiniteDifference.check("gelu dx", &x, analytic: dx, samples: 100) { FiniteDifference.dot(self.gelu($0), r) }
    }

    private func softmax(_ v: [Float], rows: Int, columns: Int) -> [Float] {
        var y = v
        y.withUnsafeMutableBufferPointer { Softmax.forward($0.baseAddress!, rows: rows, columns: columns) }
        return y
    }

    func testSoftmaxMatchesPyTorch() throws {
        let y = try BackwardGolden.load("softmax.y"), dy = try BackwardGolden.load("softmax.dy")
        var dx = dy      // in place
        dx.withUnsafeMutableBufferPointer { d in Softmax.backward(y: y, dy: d.baseAddress!, rows: 4, columns: 9, dx: d.baseAddress!) }
        BackwardGolden.assertClose(dx, try BackwardGolden.load("softmax.dx"), "softmax dx")
    }

    func testSoftmaxFiniteDifferences() {
        var x = FiniteDifference.random(3 * 7, seed: 15, scale: 2)
        let r = FiniteDifference.random(3 * 7, seed: 16)
        let y = softmax(x, rows: 3, columns: 7)
        var dx = [Float](repeating: 0, count: 21)
        Softmax.backward(y: y, dy: r, rows: 3, columns: 7, dx: &dx)
        FiniteDifference.check("softmax dx", &x, analytic: dx, samples: 21) { FiniteDifference.dot(self.softmax($0, rows: 3, columns: 7), r) }
    }

    func testResidualAddFiniteDifferences() {
        let n = 120
        var s = FiniteDifference.random(n, seed: 18, scale: 3)
        // Keep every sum at least 0.05 from ReLU6's kinks at 0 and 6 (ε = 1e-2).
        var a = zip(FiniteDifference.random(n, seed: 17, scale: 3), s).map { m, k -> Float in
            let t = m + k
            return min(abs(t), abs(t - 6)) < 0.05 ? m + 0.1 : m
        }
        let r = FiniteDifference.random(n, seed: 19)
        func f(_ main: [Float], _ skip: [Float]) -> [Float] {
            var y = main
            skip.withUnsafeBufferPointer { sb in y.withUnsafeMutableBufferPointer { residualAdd(sb.baseAddress!, into: $0.baseAddress!, count: n, activation: .relu6) } }
            return y
        }
        let y = f(a, s)
        var dMain = r, dSkip = [Float](repeating: 0, count: n)
        residualAddBackward(y: y, dy: &dMain, dSkip: &dSkip, count: n, activation: .relu6)
        XCTAssertEqual(dMain, dSkip, "both branches get the same gradient")
        let skip = s, main = a
        FiniteDifference.check("residual dMain", &a, analytic: dMain, samples: n) { FiniteDifference.dot(f($0, skip), r) }
        FiniteDifference.check("residual dSkip", &s, analytic: dSkip, samples: n) { FiniteDifference.dot(f(main, $0), r) }
    }
}
