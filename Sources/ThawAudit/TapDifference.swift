/// Storage error of one tap: stored values (decoded to float32) against the same samples
/// re-extracted at float32. Every accumulation is in Double; a NaN anywhere makes `maxAbs` NaN.
struct TapDifference {
    private(set) var count = 0
    private(set) var maxAbs = 0.0
    private var sumAbs = 0.0
    private var maxValue = 0.0
    private var sawNaN = false

    mutating func add(stored: [Float], exact: [Float]) {
        precondition(stored.count == exact.count, "TapDifference: stored and exact rows differ in length")
        for (s, e) in zip(stored, exact) {
            let d = abs(Double(s) - Double(e))
            if d.isNaN { sawNaN = true; continue }
            maxAbs = max(maxAbs, d)
            sumAbs += d
            maxValue = max(maxValue, abs(Double(e)))
        }
        count += stored.count
    }

    var maxAbsolute: Double { sawNaN ? .nan : maxAbs }
    var meanAbsolute: Double { sawNaN ? .nan : count == 0 ? 0 : sumAbs / Double(count) }
    /// The largest error relative to the largest float32 magnitude of the tap.
    var maxRelative: Double { sawNaN ? .nan : maxValue == 0 ? 0 : maxAbs / maxValue }
}
