import XCTest
@testable import ThawHeads

/// L-BFGS multinomial logistic regression against scikit-learn (goldens from scripts/golden/heads.py).
final class LogisticRegressionTests: XCTestCase {
    func data() throws -> (FeatureSet, Int, [[String: Any]]) {
        let m = Fixtures.meta["logistic"] as! [String: Any]
        let x = Fixtures.floats(m["x"]!)
        let y = Fixtures.floats(m["y"]!).map { Int32($0) }
        let d = Fixtures.shape(m["x"]!)[1]
        return (try FeatureSet(name: "lr", features: x, labels: y, rowShape: [d]), m["classes"] as! Int,
                m["cases"] as! [[String: Any]])
    }

    func testMatchesScikitLearnAtEveryC() throws {
        let (set, k, cases) = try data()
        var solver = LBFGS()
        solver.gradientTolerance = 1e-6
        for c in cases {
            let cValue = c["C"] as! Double
            let fit = try LogisticRegression.fit(data: set, classes: k, c: cValue, solver: solver)
            let expected = c["objective"] as! Double
            XCTAssertEqual(fit.objective, expected, accuracy: 1e-4 * abs(expected), "objective at C=\(cValue)")
            // Our solution can only be at least as good as sklearn's, up to float32 evaluation noise.
            XCTAssertLessThanOrEqual(fit.objective, expected * (1 + 1e-5), "C=\(cValue)")
            let acc = fit.evaluate(set).top1
            XCTAssertEqual(acc, c["train_accuracy"] as! Double, accuracy: 0.003, "accuracy at C=\(cValue)")
            let coef = Fixtures.floats(c["coef"]!)
            let scale = coef.map { abs($0) }.max()!
            assertClose(fit.coefficients, coef, rtol: 2e-3, floor: scale, "coefficients at C=\(cValue)")
            assertClose(fit.intercept, Fixtures.floats(c["intercept"]!), rtol: 1e-2, floor: scale, "intercept at C=\(cValue)")
        }
    }

    func testWarmStartedPathMatchesColdFits() throws {
        let (set, k, cases) = try data()
        let cs = cases.map { $0["C"] as! Double }
        var solver = LBFGS()
        solver.gradientTolerance = 1e-6
        let path = try LogisticRegression.path(data: set, classes: k, cs: cs, solver: solver)
        for (fit, c) in zip(path, cases) {
            let expected = c["objective"] as! Double
            XCTAssertEqual(fit.objective, expected, accuracy: 1e-4 * abs(expected), "path objective at C=\(fit.c)")
        }
    }

    func testRejectsOutOfRangeLabels() throws {
        let set = try FeatureSet(name: "bad.lmdb:train", features: [0, 1, 2, 3], labels: [0, 7], rowShape: [2])
        XCTAssertThrowsError(try LogisticRegression.fit(data: set, classes: 3, c: 1)) { e in
            XCTAssertTrue("\(e)".contains("bad.lmdb:train") && "\(e)".contains("row 1"), "\(e)")
        }
    }
}
