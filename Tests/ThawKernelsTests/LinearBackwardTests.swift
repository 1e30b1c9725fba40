import XCTest
@testable import ThawKernels

final class LinearBackwardTests: XCTestCase {
    /// y = Linear(x); returns y.
    private func forward(_ p: LinearParameters, _ x: [Float], rows: Int) -> [Float] {
        var y = [Float](repeating: 0, count: rows * p.outFeatures)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { Linear.forward(p, x: xb.baseAddress!, rows: rows, y: $0.baseAddress!) } }
        return y
    }

    /// (dx, dW, dB) with zeroed accumulators.
    private func backward(_ p: LinearParameters, _ x: [Float], _ dy: [Float], rows: Int) -> ([Float], [Float], [Float]) {
        var dx = [Float](repeating: 0, count: rows * p.inFeatures)
        var dw = [Float](repeating: 0, count: p.weight.count), db = [Float](repeating: 0, count: p.outFeatures)
        Linear.backward(p, x: x, dy: dy, rows: rows, dx: &dx, dWeight: &dw, dBias: &db)
        return (dx, dw, db)
    }

    func testMatchesPyTorch() throws {
        let x = try BackwardGolden.load("linear.x"), dy = try BackwardGolden.load("linear.dy")
        let p = LinearParameters(weight: try BackwardGolden.load("linear.w"), bias: try BackwardGolden.load("linear.b"),
                                 inFeatures: 7, outFeatures: 4)
        let (dx, dw, db) = backward(p, x, dy, rows: 5)
        BackwardGolden.assertClose(dx, try BackwardGolden.load("linear.dx"), "linear dx")
        BackwardGolden.assertClose(dw, try BackwardGolden.load("linear.dw"), "linear dW")
        BackwardGolden.assertClose(db, try BackwardGolden.load("linear.db"), "linear db")
    }

    func testFiniteDifferences() {
        let rows = 6, n = 5, k = 9
        var x = FiniteDifference.random(rows * k, seed: 1)
        var w = FiniteDifference.random(n * k, seed: 2, scale: 0.3)
        var b = FiniteDifference.random(n, seed: 3)
        let r = FiniteDifference.random(rows * n, seed: 4)
        let p = LinearParameters(weight: w, bias: b, inFeatures: k, outFeatures: n)
        let (dx, dw, db) = backward(p, x, r, rows: rows)
        FiniteDifference.check("linear dx", &x, analytic: dx) { FiniteDifference.dot(self.forward(p, $0, rows: rows), r) }
        FiniteDifference.check("linear dW", &w, analytic: dw) {
            FiniteDifference.dot(self.forward(LinearParameters(weight: $0, bias: b, inFeatures: k, outFeatures: n), x, rows: rows), r)
        }
        FiniteDifference.check("linear db", &b, analytic: db) {
            FiniteDifference.dot(self.forward(LinearParameters(weight: w, bias: $0, inFeatures: k, outFeatures: n), x, rows: rows), r)
        }
    }

    /// Parameter gradients accumulate across calls; dx can accumulate on request.
    func testAccumulates() {
        let p = LinearParameters(weight: FiniteDifference.random(12, seed: 5), bias: [0, 0, 0], inFeatures: 4, outFeatures: 3)
        let x = FiniteDifference.random(8, seed: 6), dy = FiniteDifference.random(6, seed: 7)
        let (dx1, dw1, db1) = backward(p, x, dy, rows: 2)
        var dx = dx1, dw = dw1, db = db1
        Linear.backward(p, x: x, dy: dy, rows: 2, dx: &dx, accumulateInput: true, dWeight: &dw, dBias: &db)
        BackwardGolden.assertClose(dw, dw1.map { 2 * $0 }, rtol: 1e-6, "dW twice")
        BackwardGolden.assertClose(db, db1.map { 2 * $0 }, rtol: 1e-6, "db twice")
        BackwardGolden.assertClose(dx, dx1.map { 2 * $0 }, rtol: 1e-6, "dx accumulated")
    }
}
