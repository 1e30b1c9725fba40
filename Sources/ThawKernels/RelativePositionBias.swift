import Foundation

/// MPNet's attention bias from relative positions (T5's bidirectional buckets, as Hugging Face's
/// `MPNetEncoder.compute_position_bias`): for query i and key j, bias[h, i, j] = table[bucket(j − i), h],
/// one table [buckets, H] shared by every layer and every batch item.
///
/// Buckets: half for keys after the query, half for keys before; of each half, the first half are
/// exact distances 0…n/4−1 and the rest log-spaced up to `maxDistance` (farther keys share the last).
/// Positions are indices in the padded row (0…T−1), not position ids: padding does not move them.
public enum RelativePositionBias {
    /// The bucket of relative position `relative` = key − query, computed in float32 the way
    /// torch does (`log(n / exact) / log(maxDistance / exact) · (half − exact)`, truncated).
    public static func bucket(relative: Int, buckets: Int, maxDistance: Int) -> Int {
        let half = buckets / 2, exact = half / 2
        let n = -relative
        var ret = n < 0 ? half : 0
        let distance = abs(n)
        if distance < exact { return ret + distance }
        let scaled = logf(Float(distance) / Float(exact)) / Float(log(Double(maxDistance) / Double(exact)))
            * Float(half - exact)
        ret += min(exact + Int(scaled), half - 1)
        return ret
    }

    /// Bucket of every (query, key) pair of a length-T row: [T, T], query-major.
    public static func buckets(length t: Int, buckets: Int, maxDistance: Int) -> [Int32] {
        // Depends on j − i only: compute each of the 2T − 1 distances once.
        let byOffset = (0..<(2 * t - 1)).map { Int32(bucket(relative: $0 - (t - 1), buckets: buckets, maxDistance: maxDistance)) }
        var out = [Int32](repeating: 0, count: t * t)
        for i in 0..<t { for j in 0..<t { out[i * t + j] = byOffset[j - i + t - 1] } }
        return out
    }

    /// bias [H, T, T] = table[bucket(j − i), h].
    /// - Parameters: table: [buckets, heads] (`encoder.relative_attention_bias.weight`); bias: [heads, T, T].
    public static func forward(table: UnsafePointer<Float>, buckets nb: Int, heads: Int, maxDistance: Int,
                               length t: Int, bias: UnsafeMutablePointer<Float>) {
        let index = buckets(length: t, buckets: nb, maxDistance: maxDistance)
        for h in 0..<heads {
            let out = bias + h * t * t
            for p in 0..<(t * t) { out[p] = table[Int(index[p]) * heads + h] }
        }
    }

    /// dTable [buckets, heads] += Σ over (i, j) of dBias[h, i, j] into its bucket.
    /// - Parameters: dBias: [heads, T, T] (summed over the batch by the caller).
    public static func backward(dBias: UnsafePointer<Float>, buckets nb: Int, heads: Int, maxDistance: Int,
                                length t: Int, dTable: UnsafeMutablePointer<Float>) {
        let index = buckets(length: t, buckets: nb, maxDistance: maxDistance)
        for h in 0..<heads {
            let g = dBias + h * t * t
            for p in 0..<(t * t) { dTable[Int(index[p]) * heads + h] += g[p] }
        }
    }
}
