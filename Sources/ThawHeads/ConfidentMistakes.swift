import Foundation

/// A test row a head got wrong: which sample, its true and predicted class, and the head's softmax
/// probability of the predicted class.
public struct Mistake: Codable, Hashable, Sendable {
    /// The sample's index in the cache.
    public var index: Int
    public var label: Int32
    public var predicted: Int32
    public var confidence: Double

    public init(index: Int, label: Int32, predicted: Int32, confidence: Double) {
        self.index = index; self.label = label; self.predicted = predicted; self.confidence = confidence
    }
}

/// The `limit` most confident mistakes of one head, gathered batch by batch (`--misclassified N`).
/// Order: higher confidence first, then lower sample index; rows with a NaN confidence (diverged
/// logits) are left out, since no order ranks them.
public struct ConfidentMistakes: Sendable {
    public let limit: Int
    public private(set) var mistakes: [Mistake] = []   // sorted, at most `limit`

    public init(limit: Int) {
        precondition(limit >= 0, "ConfidentMistakes: limit must be ≥ 0")
        self.limit = limit
    }

    /// Whether `a` ranks before `b`.
    static func before(_ a: Mistake, _ b: Mistake) -> Bool {
        a.confidence != b.confidence ? a.confidence > b.confidence : a.index < b.index
    }

    /// Adds `n` rows of logits [n, ld] (this head's classes at columns offset ..< offset+classes) with
    /// labels [n]; `indices[r]` is row r's sample index. Argmax takes the first index on ties, as the metrics do.
    public mutating func add(logits: UnsafePointer<Float>, rowStride ld: Int, offset: Int = 0, classes c: Int,
                             labels: UnsafePointer<Int32>, indices: ArraySlice<Int>, count n: Int) {
        guard limit > 0 else { return }
        precondition(indices.count == n, "ConfidentMistakes: one sample index per row")
        for (i, index) in zip(0..<n, indices) {
            let z = logits + i * ld + offset
            var best = 0
            for j in 1..<c where z[j] > z[best] { best = j }
            guard Int32(best) != labels[i] else { continue }
            var s = 0.0
            for j in 0..<c { s += Double(expf(z[j] - z[best])) }
            let m = Mistake(index: index, label: labels[i], predicted: Int32(best), confidence: 1 / s)
            guard !m.confidence.isNaN else { continue }
            if mistakes.count == limit, let last = mistakes.last, !Self.before(m, last) { continue }
            let at = mistakes.firstIndex { Self.before(m, $0) } ?? mistakes.count
            mistakes.insert(m, at: at)
            if mistakes.count > limit { mistakes.removeLast() }
        }
    }

    /// The `limit` most confident mistakes among logits [rows, classes] with labels [rows] and sample indices [rows].
    public static func of(logits z: [Float], classes: Int, labels: [Int32], indices: [Int], limit: Int) -> [Mistake] {
        precondition(z.count == labels.count * classes && indices.count == labels.count, "ConfidentMistakes.of: shapes disagree")
        var m = ConfidentMistakes(limit: limit)
        guard !labels.isEmpty else { return [] }
        z.withUnsafeBufferPointer { zp in
            labels.withUnsafeBufferPointer { y in
                m.add(logits: zp.baseAddress!, rowStride: classes, classes: classes, labels: y.baseAddress!,
                      indices: indices[...], count: labels.count)
            }
        }
        return m.mistakes
    }
}
