import Foundation

/// GELU, erf form (BERT's "gelu"): 0.5 · x · (1 + erf(x / √2)).
/// Not the tanh approximation, which differs by up to ~5e-4. Backward needs x.
public enum GELU {
    /// y = gelu(x) over `count` elements; y may be x (in place).
    public static func forward(x: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>) {
        let block = 4096
        TransformerRows.forEach(rows: (count + block - 1) / block, costPerRow: 8 * block) { range in
            for i in range.lowerBound * block..<min(count, range.upperBound * block) {
                let v = x[i]
                y[i] = 0.5 * v * (1 + erff(v * 0.70710678118654752))
            }
        }
    }
}
