/// PIL's antialiased resampling weights for one axis (Pillow `Resample.c`, `precompute_coeffs` +
/// `normalize_coeffs_8bpc`): a filter whose support widens by the downscale factor, weights
/// normalised to sum 1 and then stored as 22-bit fixed point. Matching these integers is what
/// makes the output bit-equal to PIL's. Filters: bilinear (triangle, support 1) and bicubic
/// (Keys cubic with a = −0.5, support 2; its negative lobes can overshoot, so sums are clipped to u8).
struct ResampleCoefficients {
    enum Filter: Sendable {
        case bilinear, bicubic

        var support: Double { self == .bilinear ? 1 : 2 }

        func weight(_ x: Double) -> Double {
            let x = abs(x)
            switch self {
            case .bilinear: return x < 1 ? 1 - x : 0
            case .bicubic:
                let a = -0.5
                if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
                if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
                return 0
            }
        }
    }

    static let precisionBits = 22
    /// First input index per output index.
    var first: [Int32]            // [outSize]
    /// Number of taps per output index.
    var taps: [Int32]             // [outSize]
    /// Fixed-point weights, `stride` per output index.
    var weights: [Int32]          // [outSize, stride]
    var stride: Int

    /// Weights for output indices `from..<from+count` of an `inSize → outSize` resize.
    init(inSize: Int, outSize: Int, from: Int, count: Int, filter: Filter = .bilinear) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = filter.support * filterScale
        stride = Int(support.rounded(.up)) * 2 + 1
        first = [Int32](repeating: 0, count: count)
        taps = [Int32](repeating: 0, count: count)
        weights = [Int32](repeating: 0, count: count * stride)
        var k = [Double](repeating: 0, count: stride)
        let ss = 1.0 / filterScale
        let one = Double(1 << ResampleCoefficients.precisionBits)
        for i in 0..<count {
            let xx = from + i
            let center = (Double(xx) + 0.5) * scale
            // C's (int) truncates toward zero; both bounds are then clamped.
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            var total = 0.0
            for x in 0..<xmax {
                let w = filter.weight((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                total += w
            }
            first[i] = Int32(xmin)
            taps[i] = Int32(xmax)
            for x in 0..<xmax {
                let w = total != 0 ? k[x] / total : k[x]
                weights[i * stride + x] = Int32(w < 0 ? (-0.5 + w * one) : (0.5 + w * one))
            }
        }
    }
}
