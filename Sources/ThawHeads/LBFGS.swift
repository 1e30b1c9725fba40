import Foundation

/// Limited-memory BFGS for smooth unconstrained problems in double precision
/// (two-loop recursion, strong-Wolfe line search).
public struct LBFGS: Sendable {
    /// Pairs (s, y) kept.
    public var memory: Int = 10
    public var maxIterations: Int = 1000
    /// Stop when max_i |g_i| ≤ this (scipy's `gtol`, which scikit-learn passes its `tol` to).
    public var gradientTolerance: Double = 1e-4
    /// Stop when (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ this (scipy's `ftol`).
    public var relativeReductionTolerance: Double = 64 * Double.ulpOfOne
    public var lineSearch = StrongWolfeLineSearch()

    public init() {}

    /// Why the solver stopped. `lineSearchFailed` most often means the gradient tolerance lies below the
    /// noise of a float32 objective: no step lowers f any more (the solution is as good as f can tell).
    public enum Stop: String, Codable, Sendable {
        case gradientTolerance, relativeReduction, maxIterations, lineSearchFailed
    }

    public struct Result: Sendable {
        public var x: [Double]
        public var value: Double
        /// max_i |g_i| at x.
        public var gradientMaxNorm: Double
        public var iterations: Int
        public var evaluations: Int
        public var stop: Stop
    }

    /// Minimises f from x0. `objective(x, &g)` returns f(x) and writes ∇f(x) into g (same length as x).
    public func minimize(x0: [Double], objective: (_ x: [Double], _ gradient: inout [Double]) -> Double) -> Result {
        precondition(memory >= 1, "LBFGS: memory must be at least 1")
        let n = x0.count
        var x = x0
        var g = [Double](repeating: 0, count: n)
        var f = objective(x, &g)
        var evals = 1
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        var d = [Double](repeating: 0, count: n)
        var alpha = [Double](repeating: 0, count: memory)
        var xTrial = x, gTrial = g
        var iteration = 0
        func maxAbs(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
        while true {
            if maxAbs(g) <= gradientTolerance {
                return Result(x: x, value: f, gradientMaxNorm: maxAbs(g), iterations: iteration, evaluations: evals, stop: .gradientTolerance)
            }
            if iteration >= maxIterations {
                return Result(x: x, value: f, gradientMaxNorm: maxAbs(g), iterations: iteration, evaluations: evals, stop: .maxIterations)
            }
            // Two-loop recursion: d = −H·g with H0 = (sᵀy / yᵀy)·I.
            for i in 0..<n { d[i] = -g[i] }
            let m = s.count
            for j in stride(from: m - 1, through: 0, by: -1) {
                var a = 0.0
                for i in 0..<n { a += s[j][i] * d[i] }
                a *= rho[j]
                alpha[j] = a
                for i in 0..<n { d[i] -= a * y[j][i] }
            }
            if m > 0 {
                var yy = 0.0
                for i in 0..<n { yy += y[m - 1][i] * y[m - 1][i] }
                let gamma = 1 / (rho[m - 1] * yy)
                for i in 0..<n { d[i] *= gamma }
            }
            for j in 0..<m {
                var bj = 0.0
                for i in 0..<n { bj += y[j][i] * d[i] }
                bj *= rho[j]
                for i in 0..<n { d[i] += s[j][i] * (alpha[j] - bj) }
            }
            var slope = 0.0
            for i in 0..<n { slope += g[i] * d[i] }
            if !(slope < 0) {
                // Not a descent direction (curvature information went stale): restart from steepest descent.
                s.removeAll(); y.removeAll(); rho.removeAll()
                for i in 0..<n { d[i] = -g[i] }
                slope = -g.reduce(0) { $0 + $1 * $1 }
            }
            let first = m == 0 ? min(1, 1 / max(maxAbs(g), 1e-12)) : 1
            let xBase = x
            let outcome = lineSearch.search(value0: f, slope0: slope, initialStep: first) { a in
                for i in 0..<n { xTrial[i] = xBase[i] + a * d[i] }
                let fa = objective(xTrial, &gTrial)
                var da = 0.0
                for i in 0..<n { da += gTrial[i] * d[i] }
                return (fa, da)
            }
            evals += outcome.evaluations
            if outcome.step == 0 {
                return Result(x: x, value: f, gradientMaxNorm: maxAbs(g), iterations: iteration, evaluations: evals, stop: .lineSearchFailed)
            }
            if !outcome.lastEvaluatedAtStep {
                for i in 0..<n { xTrial[i] = xBase[i] + outcome.step * d[i] }
                _ = objective(xTrial, &gTrial)
                evals += 1
            }
            var sNew = [Double](repeating: 0, count: n), yNew = sNew
            var sy = 0.0
            for i in 0..<n {
                sNew[i] = xTrial[i] - x[i]
                yNew[i] = gTrial[i] - g[i]
                sy += sNew[i] * yNew[i]
            }
            let fOld = f
            x = xTrial; g = gTrial; f = outcome.value
            iteration += 1
            if sy > 1e-10 * sqrt(sNew.reduce(0) { $0 + $1 * $1 } * yNew.reduce(0) { $0 + $1 * $1 }) {
                if s.count == memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
                s.append(sNew); y.append(yNew); rho.append(1 / sy)
            }
            if (fOld - f) / max(abs(fOld), abs(f), 1) <= relativeReductionTolerance {
                return Result(x: x, value: f, gradientMaxNorm: maxAbs(g), iterations: iteration, evaluations: evals, stop: .relativeReduction)
            }
            if !outcome.satisfied && maxAbs(g) > gradientTolerance && fOld - f <= 0 {
                return Result(x: x, value: f, gradientMaxNorm: maxAbs(g), iterations: iteration, evaluations: evals, stop: .lineSearchFailed)
            }
        }
    }
}
