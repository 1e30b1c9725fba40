import XCTest
@testable import ThawKernels

final class LayerNormBackwardTests: XCTestCase {
    /// y, mean, rstd of LayerNorm over [rows, c].
    private func forward(_ x: [Float], _ g: [Float], _ b: [Float], rows: Int, c: Int, eps: Float) -> ([Float], [Float], [Float]) {
        var y = x, mean = [Float](repeating: 0, count: rows), rstd = mean
        LayerNorm.forward(x: x, rows: rows, channels: c, gamma: g, beta: b, eps: eps, y: &y, mean: &mean, rstd: &rstd)
        return (y, mean, rstd)
    }

    private func backward(_ x: [Float], _ g: [Float], _ b: [Float], _ dy: [Float], rows: Int, c: Int, eps: Float)
        -> ([Float], [Float], [Float]) {
        let (_, mean, rstd) = forward(x, g, b, rows: rows, c: c, eps: eps)
        var dx = [Float](repeating: 0, count: x.count), dg = [Float](repeating: 0, count: c), db = dg
        LayerNorm.backward(x: x, dy: dy, rows: rows, channels: c, gamma: g, mean: mean, rstd: rstd,
                           dx: &dx, dGamma: &dg, dBeta: &db)
        return (dx, dg, db)
    }

    func testMatchesPyTorch() throws {
        let x = try BackwardGolden.load("layernorm.x"), g = try BackwardGolden.load("layernorm.g")
        let b = try BackwardGolden.load("layernorm.b"), dy = try BackwardGolden.load("layernorm.dy")
        let (dx, dg, db) = backward(x, g, b, dy, rows: 6, c: 16, eps: 1e-5)
        BackwardGolden.assertClose(dx, try BackwardGolden.load("layernorm.dx"), "layernorm dx")
        BackwardGolden.assertClose(dg, try BackwardGolden.load("layernorm.dg"), "layernorm dγ")
        BackwardGolden.assertClose(db, try BackwardGolden.load("layernorm.db"), "layernorm dβ")
    }

    func testFiniteDifferences() {
        let rows = 4, c = 12
        var x = FiniteDifference.random(rows * c, seed: 21, scale: 2)
        var g = FiniteDifference.random(c, seed: 22), b = FiniteDifference.random(c, seed: 23)
        let r = FiniteDifference.random(rows * c, seed: 24)
        let (dx, dg, db) = backward(x, g, b, r, rows: rows, c: c, eps: 1e-5)
        let x0 = x, g0 = g, b0 = b
        FiniteDifference.check("layernorm dx", &x, analytic: dx) { FiniteDifference.dot(self.forward($0, g0, b0, rows: rows, c: c, eps: 1e-5).0, r) }
        FiniteDifference.check("layernorm dγ", &g, analytic: dg) { FiniteDifference.dot(self.forward(x0, $0, b0, rows: rows, c: c, eps: 1e-5).0, r) }
        FiniteDifference.check("layernorm dβ", &b, analytic: db) { FiniteDifference.dot(self.forward(x0, g0, $0, rows: rows, c: c, eps: 1e-5).0, r) }
    }
}
