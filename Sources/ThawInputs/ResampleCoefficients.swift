/// PIL's antialiased bilinear weights for one axis (Pillow `Resample.c`, `precompute_coeffs` +
/// `normalize_coeffs_8bpc`): a triangle filter whose support widens by the downscale factor,
/// weights normalised to sum 1 and then stored as 22-bit fixed point. Matching these integers is
/// what makes the output bit-equal to PIL's.
struct ResampleCoefficients {
    static let precisionBits = 22
    /// First input index per output index.
    var first: [Int32]            // [outSize]
    /// Number of taps per output index.
    var taps: [Int32]             // [outSize]
    /// Fixed-point weights, `stride` per output index.
    var weights: [Int32]          // [outSize, stride]
    var stride: Int

    /// Weights for output indices `from..<from+count` of an `inSize → outSize` resize.
    init(inSize: Int, outSize: Int, from: Int, count: Int) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale                   // bilinear support is 1
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
                var t = (Double(x + xmin) - center + 0.5) * ss
                if t < 0 { t = -t }
                let w = t < 1 ? 1 - t : 0
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
