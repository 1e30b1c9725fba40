/// A line search that returns a step satisfying the strong Wolfe conditions
/// (Nocedal & Wright, Algorithms 3.5 and 3.6: bracketing, then zoom with safeguarded cubic interpolation).
///
///   φ(α) ≤ φ(0) + c1·α·φ'(0)   and   |φ'(α)| ≤ c2·|φ'(0)|
public struct StrongWolfeLineSearch: Sendable {
    public var c1: Double = 1e-4
    public var c2: Double = 0.9
    public var maxEvaluations: Int = 50
    public var maxStep: Double = 1e10

    public init() {}

    /// φ(α) evaluation: returns (φ, φ'); the caller keeps the point and gradient of the last call.
    public typealias Phi = (Double) -> (value: Double, slope: Double)

    public struct Outcome {
        public var step: Double
        public var value: Double
        public var slope: Double
        public var evaluations: Int
        public var satisfied: Bool
        /// Whether the last φ evaluation was at `step` (otherwise the caller must re-evaluate there).
        public var lastEvaluatedAtStep: Bool
    }

    /// Searches from α = `initialStep`; φ(0) = `value0`, φ'(0) = `slope0` < 0.
    public func search(value0: Double, slope0: Double, initialStep: Double, phi: Phi) -> Outcome {
        precondition(slope0 < 0, "line search needs a descent direction (φ'(0) < 0)")
        var evals = 0
        var aPrev = 0.0, fPrev = value0, dPrev = slope0
        var a = initialStep
        var best = Outcome(step: 0, value: value0, slope: slope0, evaluations: 0, satisfied: false, lastEvaluatedAtStep: false)
        while evals < maxEvaluations {
            let (f, d) = phi(a)
            evals += 1
            if f.isFinite && f < best.value {
                best = Outcome(step: a, value: f, slope: d, evaluations: evals, satisfied: false, lastEvaluatedAtStep: true)
            }
            if !f.isFinite || f > value0 + c1 * a * slope0 || (evals > 1 && f >= fPrev) {
                return zoom(lo: (aPrev, fPrev, dPrev), hi: (a, f, d), value0: value0, slope0: slope0, evals: evals, best: best, phi: phi)
            }
            if abs(d) <= -c2 * slope0 {
                return Outcome(step: a, value: f, slope: d, evaluations: evals, satisfied: true, lastEvaluatedAtStep: true)
            }
            if d >= 0 {
                return zoom(lo: (a, f, d), hi: (aPrev, fPrev, dPrev), value0: value0, slope0: slope0, evals: evals, best: best, phi: phi)
            }
            aPrev = a; fPrev = f; dPrev = d
            a = min(2 * a, maxStep)
        }
        best.evaluations = evals
        best.lastEvaluatedAtStep = false
        return best
    }

    private func zoom(lo l: (Double, Double, Double), hi h: (Double, Double, Double), value0: Double, slope0: Double,
                      evals e: Int, best b: Outcome, phi: Phi) -> Outcome {
        var lo = l, hi = h, evals = e, best = b
        while evals < maxEvaluations {
            let a = interpolate(lo, hi)
            let (f, d) = phi(a)
            evals += 1
            if f.isFinite && f < best.value {
                best = Outcome(step: a, value: f, slope: d, evaluations: evals, satisfied: false, lastEvaluatedAtStep: true)
            }
            if !f.isFinite || f > value0 + c1 * a * slope0 || f >= lo.1 {
                hi = (a, f, d)
            } else {
                if abs(d) <= -c2 * slope0 {
                    return Outcome(step: a, value: f, slope: d, evaluations: evals, satisfied: true, lastEvaluatedAtStep: true)
                }
                if d * (hi.0 - lo.0) >= 0 { hi = lo }
                lo = (a, f, d)
            }
            if abs(hi.0 - lo.0) <= 1e-16 * max(abs(lo.0), 1) { break }
        }
        best.evaluations = evals
        best.lastEvaluatedAtStep = false
        return best
    }

    /// Minimiser of the cubic through both ends (values and slopes), kept inside the middle 80% of the
    /// bracket; bisection when the cubic has no real minimiser there or a value is not finite.
    private func interpolate(_ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> Double {
        let (x0, f0, d0) = a, (x1, f1, d1) = b
        let lo = min(x0, x1), hi = max(x0, x1), width = hi - lo
        let mid = 0.5 * (x0 + x1)
        guard f0.isFinite && f1.isFinite && d0.isFinite && d1.isFinite else { return mid }
        let d1c = d0 + d1 - 3 * (f0 - f1) / (x0 - x1)
        let disc = d1c * d1c - d0 * d1
        guard disc >= 0 else { return mid }
        let d2 = (x1 > x0 ? 1.0 : -1.0) * disc.squareRoot()
        let denom = d1 - d0 + 2 * d2
        guard denom != 0 else { return mid }
        let x = x1 - (x1 - x0) * (d1 + d2 - d1c) / denom
        guard x.isFinite else { return mid }
        return min(max(x, lo + 0.1 * width), hi - 0.1 * width)
    }
}
