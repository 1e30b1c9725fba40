import XCTest
@testable import ThawKernels

/// Training-mode BN (forward with batch statistics + backward) and frozen BN backward.
final class BatchNormBackwardTests: XCTestCase {
    struct Train { var y: [Float]; var mean: [Float]; var invstd: [Float]; var rm: [Float]; var rv: [Float] }

    private func train(_ x: [Float], _ g: [Float], _ b: [Float], rm: [Float], rv: [Float], rows: Int, eps: Float) -> Train {
        let c = g.count
        var t = Train(y: x, mean: [Float](repeating: 0, count: c), invstd: [Float](repeating: 0, count: c), rm: rm, rv: rv)
        BatchNormTraining.forward(x, rows: rows, channels: c, gamma: g, beta: b, eps: eps, momentum: 0.1,
                                  runningMean: &t.rm, runningVar: &t.rv, mean: &t.mean, invstd: &t.invstd, into: &t.y)
        return t
    }

    private func trainBackward(_ x: [Float], _ g: [Float], _ b: [Float], _ dy: [Float], rows: Int, eps: Float)
        -> ([Float], [Float], [Float]) {
        let c = g.count
        let t = train(x, g, b, rm: [Float](repeating: 0, count: c), rv: [Float](repeating: 1, count: c), rows: rows, eps: eps)
        var dx = [Float](repeating: 0, count: x.count), dg = [Float](repeating: 0, count: c), db = dg
        BatchNormTraining.backward(x: x, dy: dy, rows: rows, channels: c, gamma: g, mean: t.mean, invstd: t.invstd,
                                   dx: &dx, dGamma: &dg, dBeta: &db)
        return (dx, dg, db)
    }

    func testTrainingMatchesPyTorch() throws {
        func L(_ n: String) throws -> [Float] { try BackwardGolden.load("bn_train.\(n)") }
        let x = try L("x"), g = try L("g"), b = try L("b"), rows = x.count / g.count
        let t = train(x, g, b, rm: try L("rm0"), rv: try L("rv0"), rows: rows, eps: 1e-3)
        BackwardGolden.assertClose(t.y, try L("y"), "bn train y")
        BackwardGolden.assertClose(t.rm, try L("rm"), "bn running mean")
        BackwardGolden.assertClose(t.rv, try L("rv"), "bn running var")
        let (dx, dg, db) = trainBackward(x, g, b, try L("dy"), rows: rows, eps: 1e-3)
        BackwardGolden.assertClose(dx, try L("dx"), "bn train dx")
        BackwardGolden.assertClose(dg, try L("dg"), "bn train dγ")
        BackwardGolden.assertClose(db, try L("db"), "bn train dβ")
    }

    func testTrainingFiniteDifferences() {
        let rows = 20, c = 5
        var x = FiniteDifference.random(rows * c, seed: 71, scale: 2)
        var g = FiniteDifference.random(c, seed: 72), b = FiniteDifference.random(c, seed: 73)
        let r = FiniteDifference.random(rows * c, seed: 74)
        let (dx, dg, db) = trainBackward(x, g, b, r, rows: rows, eps: 1e-3)
        let x0 = x, g0 = g, b0 = b
        let z = [Float](repeating: 0, count: c), one = [Float](repeating: 1, count: c)
        FiniteDifference.check("bn train dx", &x, analytic: dx) { FiniteDifference.dot(self.train($0, g0, b0, rm: z, rv: one, rows: rows, eps: 1e-3).y, r) }
        FiniteDifference.check("bn train dγ", &g, analytic: dg) { FiniteDifference.dot(self.train(x0, $0, b0, rm: z, rv: one, rows: rows, eps: 1e-3).y, r) }
        FiniteDifference.check("bn train dβ", &b, analytic: db) { FiniteDifference.dot(self.train(x0, g0, $0, rm: z, rv: one, rows: rows, eps: 1e-3).y, r) }
    }

    private func frozen(_ g: [Float], _ b: [Float], _ m: [Float], _ v: [Float], eps: Float) -> BatchNorm {
        BatchNorm(gamma: g, beta: b, runningMean: m, runningVar: v, eps: eps)
    }

    private func frozenBackward(_ bn: BatchNorm, _ x: [Float], _ dy: [Float]) -> ([Float], [Float], [Float]) {
        let c = bn.channels
        var dx = [Float](repeating: 0, count: x.count), dg = [Float](repeating: 0, count: c), db = dg
        bn.backward(x: x, dy: dy, rows: x.count / c, dx: &dx, dGamma: &dg, dBeta: &db)
        return (dx, dg, db)
    }

    func testFrozenMatchesPyTorch() throws {
        func L(_ n: String) throws -> [Float] { try BackwardGolden.load("bn_frozen.\(n)") }
        let bn = frozen(try L("g"), try L("b"), try L("rm"), try L("rv"), eps: 1e-5)
        let (dx, dg, db) = frozenBackward(bn, try L("x"), try L("dy"))
        BackwardGolden.assertClose(dx, try L("dx"), "bn frozen dx")
        BackwardGolden.assertClose(dg, try L("dg"), "bn frozen dγ")
        BackwardGolden.assertClose(db, try L("db"), "bn frozen dβ")
    }

    func testFrozenFiniteDifferences() {
        let rows = 12, c = 4
        var x = FiniteDifference.random(rows * c, seed: 81)
        var g = FiniteDifference.random(c, seed: 82), b = FiniteDifference.random(c, seed: 83)
        let m = FiniteDifference.random(c, seed: 84), v = FiniteDifference.random(c, seed: 85).map { abs($0) + 0.5 }
        let r = FiniteDifference.random(rows * c, seed: 86)
        func f(_ x: [Float], _ g: [Float], _ b: [Float]) -> [Float] {
            var y = x
            frozen(g, b, m, v, eps: 1e-5).forward(x, rows: rows, into: &y)
            return y
        }
        let (dx, dg, db) = frozenBackward(frozen(g, b, m, v, eps: 1e-5), x, r)
        let x0 = x, g0 = g, b0 = b
        FiniteDifference.check("bn frozen dx", &x, analytic: dx) { FiniteDifference.dot(f($0, g0, b0), r) }
        FiniteDifference.check("bn frozen dγ", &g, analytic: dg) { FiniteDifference.dot(f(x0, $0, b0), r) }
        FiniteDifference.check("bn frozen dβ", &b, analytic: db) { FiniteDifference.dot(f(x0, g0, $0), r) }
    }
}
