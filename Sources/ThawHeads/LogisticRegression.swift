import Foundation
import ThawBLAS

/// Multinomial logistic regression fitted by L-BFGS with scikit-learn's objective (sklearn ≥ 1.5,
/// `LogisticRegression(C=C, solver="lbfgs")`, see `_logistic.py` / `_linear_loss.py`):
///
///   f(W, b) = (1/S)·Σ_i s_i·CE_i + ||W||² / (2·C·S),   S = Σ_i s_i (= N without sample weights)
///
/// over all C classes (symmetric parametrisation), intercept b not penalised. Results are therefore
/// directly comparable with a scikit-learn linear probe at the same C.
public struct LogisticRegression: Codable, Sendable {
    public var classes: Int
    public var features: Int
    public var c: Double
    public var fitIntercept: Bool
    public var coefficients: [Float]   // [classes, features]
    public var intercept: [Float]      // [classes]
    /// Objective value at the solution.
    public var objective: Double
    public var iterations: Int
    public var stop: LBFGS.Stop

    /// Fits at one C (optionally warm-started from `start`). `sampleWeights` [N] or nil.
    public static func fit(data: FeatureSet, classes: Int, c: Double, fitIntercept: Bool = true,
                           sampleWeights: [Float]? = nil, solver: LBFGS = LBFGS(),
                           start: LogisticRegression? = nil) throws -> LogisticRegression {
        try path(data: data, classes: classes, cs: [c], fitIntercept: fitIntercept, sampleWeights: sampleWeights,
                 solver: solver, start: start)[0]
    }

    /// Fits at every C in order, each warm-started from the previous solution (a regularisation path).
    public static func path(data: FeatureSet, classes k: Int, cs: [Double], fitIntercept: Bool = true,
                            sampleWeights: [Float]? = nil, solver: LBFGS = LBFGS(),
                            start: LogisticRegression? = nil) throws -> [LogisticRegression] {
        guard !data.isMap else {
            throw HeadsError("\(data.name): logistic regression reads vectors; pool the maps first (FeatureSet.pooled)")
        }
        precondition(cs.allSatisfy { $0 > 0 }, "LogisticRegression: C must be positive")
        try data.validate(classes: k)
        if let w = sampleWeights, w.count != data.count || w.contains(where: { !($0 >= 0) }) {
            throw HeadsError("\(data.name): sample weights must be \(data.count) non-negative values")
        }
        let objective = Objective(data: data, classes: k, fitIntercept: fitIntercept, sampleWeights: sampleWeights)
        let d = data.rowWidth
        var x = [Double](repeating: 0, count: k * d + (fitIntercept ? k : 0))
        if let s = start {
            precondition(s.classes == k && s.features == d, "LogisticRegression: warm start of another shape")
            for i in 0..<(k * d) { x[i] = Double(s.coefficients[i]) }
            if fitIntercept { for j in 0..<k { x[k * d + j] = Double(s.intercept[j]) } }
        }
        var out: [LogisticRegression] = []
        for c in cs {
            let r = solver.minimize(x0: x) { p, g in objective.evaluate(p, c: c, gradient: &g) }
            x = r.x
            out.append(LogisticRegression(classes: k, features: d, c: c, fitIntercept: fitIntercept,
                                          coefficients: x[0..<(k * d)].map { Float($0) },
                                          intercept: fitIntercept ? x[(k * d)...].map { Float($0) } : [Float](repeating: 0, count: k),
                                          objective: r.value, iterations: r.iterations, stop: r.stop))
        }
        return out
    }

    /// Logits [N, classes] for vectors [N, features].
    public func logits(_ data: FeatureSet) -> [Float] {
        precondition(data.rowWidth == features && !data.isMap, "LogisticRegression.logits: expected [N, \(features)] vectors")
        let n = data.count
        var z = [Float](repeating: 0, count: n * classes)
        for r in 0..<n { for j in 0..<classes { z[r * classes + j] = intercept[j] } }
        data.features.withUnsafeBufferPointer { xp in
            coefficients.withUnsafeBufferPointer { w in
                z.withUnsafeMutableBufferPointer { zp in
                    BLAS.sgemm(transB: true, m: n, n: classes, k: features, a: xp.baseAddress!, lda: features,
                               b: w.baseAddress!, ldb: features, beta: 1, c: zp.baseAddress!, ldc: classes)
                }
            }
        }
        return z
    }

    /// Metrics on a split.
    public func evaluate(_ data: FeatureSet) -> ClassificationMetrics {
        let z = logits(data)
        return z.withUnsafeBufferPointer { zp in
            data.labels.withUnsafeBufferPointer { y in
                ClassificationMetrics.compute(logits: zp.baseAddress!, rowStride: classes, classes: classes,
                                              labels: y.baseAddress!, count: data.count)
            }
        }
    }
}

/// scikit-learn's multinomial objective and gradient; float32 GEMMs, double accumulation.
final class Objective {
    let data: FeatureSet
    let classes: Int
    let fitIntercept: Bool
    let weights: [Float]?       // [N] sample weights
    let weightSum: Double       // S
    let w32: FloatBuffer        // [classes, D] current coefficients in float
    let z: FloatBuffer          // [N, classes] logits, then residuals s_i·(p − y)/S
    let g32: FloatBuffer        // [classes, D] data part of the gradient

    init(data: FeatureSet, classes: Int, fitIntercept: Bool, sampleWeights: [Float]?) {
        self.data = data
        self.classes = classes
        self.fitIntercept = fitIntercept
        weights = sampleWeights
        weightSum = sampleWeights.map { $0.reduce(0.0) { $0 + Double($1) } } ?? Double(data.count)
        w32 = FloatBuffer(count: classes * data.rowWidth)
        z = FloatBuffer(count: data.count * classes)
        g32 = FloatBuffer(count: classes * data.rowWidth)
    }

    /// f at parameters p = [W (classes·D) | b (classes)] for regularisation C; writes ∇f into g.
    func evaluate(_ p: [Double], c: Double, gradient g: inout [Double]) -> Double {
        let n = data.count, d = data.rowWidth, k = classes
        for i in 0..<(k * d) { w32.pointer[i] = Float(p[i]) }
        for r in 0..<n {
            for j in 0..<k { z.pointer[r * k + j] = fitIntercept ? Float(p[k * d + j]) : 0 }
        }
        data.features.withUnsafeBufferPointer { x in
            BLAS.sgemm(transB: true, m: n, n: k, k: d, a: x.baseAddress!, lda: d, b: w32.pointer, ldb: d,
                       beta: 1, c: z.pointer, ldc: k)
        }
        // Per-row softmax in chunks over both cores; each chunk sums its own loss.
        let chunks = max(1, min(n / 512, 16))
        var partial = [Double](repeating: 0, count: chunks)
        let invS = 1 / weightSum
        partial.withUnsafeMutableBufferPointer { part in
            data.labels.withUnsafeBufferPointer { labels in
                let zp = z.pointer, sw = weights
                DispatchQueue.concurrentPerform(iterations: chunks) { ch in
                    var loss = 0.0
                    for r in (n * ch / chunks)..<(n * (ch + 1) / chunks) {
                        let row = zp + r * k
                        var mx = row[0]
                        for j in 1..<k { mx = max(mx, row[j]) }
                        var s = 0.0
                        for j in 0..<k { s += Double(expf(row[j] - mx)) }
                        let lse = Double(mx) + log(s)
                        let y = Int(labels[r])
                        let wi = Double(sw?[r] ?? 1)
                        loss += wi * (lse - Double(row[y]))
                        let scale = wi * invS
                        for j in 0..<k {
                            let pj = exp(Double(row[j]) - lse)
                            row[j] = Float(scale * (pj - (j == y ? 1 : 0)))
                        }
                    }
                    part[ch] = loss
                }
            }
        }
        data.features.withUnsafeBufferPointer { x in
            BLAS.sgemm(transA: true, m: k, n: d, k: n, a: z.pointer, lda: k, b: x.baseAddress!, ldb: d,
                       beta: 0, c: g32.pointer, ldc: d)
        }
        let l2 = 1 / (c * weightSum)
        var norm2 = 0.0
        for i in 0..<(k * d) {
            norm2 += p[i] * p[i]
            g[i] = Double(g32.pointer[i]) + l2 * p[i]
        }
        if fitIntercept {
            for j in 0..<k {
                var s = 0.0
                for r in 0..<n { s += Double(z.pointer[r * k + j]) }
                g[k * d + j] = s
            }
        }
        return partial.reduce(0, +) * invS + 0.5 * l2 * norm2
    }
}
