/// How a checkpoint's square grid of patch position embeddings is resized to another patch grid.
/// The three libraries do it three ways, and the results differ well above 1e-4, so the rule
/// belongs to the weight layout (`ViTKeyLayout.positionResample`):
///
/// - DINOv2's own repository (`interpolate_pos_encoding`): `F.interpolate(mode="bicubic",
///   antialias=False, scale_factor=((h+0.1)/M, (w+0.1)/M))` — PyTorch's cubic convolution with
///   A = −0.75, and source coordinates mapped with the *given* scale factor (M/(n+0.1)), not M/n.
/// - Hugging Face `Dinov2Model` and `CLIPVisionModel`: the same cubic at `size=(h, w)` (scale M/n).
/// - timm `resample_abs_pos_embed` (and Hugging Face `Dinov2WithRegistersModel`): `antialias=True`,
///   PyTorch's separable antialiased bicubic (PIL's filter, a = −0.5, support widened by the
///   downscale factor, weights normalised), at `size=(h, w)`.
public struct PositionEmbeddingResample: Sendable, Equatable {
    /// PyTorch's antialiased bicubic (a = −0.5) instead of its plain cubic convolution (A = −0.75).
    public var antialias: Bool
    /// Added to the target grid size to form the scale factor (DINOv2's 0.1), or 0 for `size=`.
    public var sizeOffset: Double

    public static let dinov2Repository = PositionEmbeddingResample(antialias: false, sizeOffset: 0.1)
    public static let plainBicubic = PositionEmbeddingResample(antialias: false, sizeOffset: 0)
    public static let timm = PositionEmbeddingResample(antialias: true, sizeOffset: 0)

    public init(antialias: Bool, sizeOffset: Double) {
        self.antialias = antialias
        self.sizeOffset = sizeOffset
    }

    /// Interpolation weights of one axis, dense [outSize, inSize] row-major (Double).
    func axisWeights(inSize: Int, outSize: Int) -> [Double] {
        // Source-to-destination scale as PyTorch's `area_pixel_compute_scale`: 1/scale_factor
        // when a scale factor is given, else in/out.
        let scale = sizeOffset != 0 ? Double(inSize) / (Double(outSize) + sizeOffset) : Double(inSize) / Double(outSize)
        var w = [Double](repeating: 0, count: outSize * inSize)
        for o in 0..<outSize {
            if antialias {
                // `_compute_indices_min_size_weights_aa` (same formula as PIL's precompute_coeffs).
                let support = scale >= 1 ? 2 * scale : 2.0
                let invScale = scale >= 1 ? 1 / scale : 1.0
                let center = scale * (Double(o) + 0.5)
                let lo = max(Int(center - support + 0.5), 0)
                let count = min(Int(center + support + 0.5), inSize) - lo
                var taps = [Double](repeating: 0, count: max(count, 0))
                for j in 0..<max(count, 0) { taps[j] = Self.cubicAA((Double(j + lo) - center + 0.5) * invScale) }
                let total = taps.reduce(0, +)
                for j in taps.indices { w[o * inSize + lo + j] = total != 0 ? taps[j] / total : taps[j] }
            } else {
                // `upsample_bicubic2d`: source x = scale·(o + 0.5) − 0.5 (not clamped), four taps
                // x₀−1 … x₀+2 read with clamped indices.
                let real = scale * (Double(o) + 0.5) - 0.5
                let x0 = Int(real.rounded(.down)), t = real - Double(x0)
                let coefficients = [Self.cubic2(t + 1), Self.cubic1(t), Self.cubic1(1 - t), Self.cubic2(2 - t)]
                for (k, c) in coefficients.enumerated() {
                    let index = min(max(x0 - 1 + k, 0), inSize - 1)
                    w[o * inSize + index] += c
                }
            }
        }
        return w
    }

    /// The grid `grid` [M, M, C] (row-major, M = inSide) resized to [outH, outW, C] (Float, computed in Double).
    public func resample(_ grid: [Float], inSide m: Int, channels c: Int, outHeight: Int, outWidth: Int) -> [Float] {
        precondition(grid.count == m * m * c, "PositionEmbeddingResample: grid must be [\(m), \(m), \(c)], got \(grid.count) values")
        let wy = axisWeights(inSize: m, outSize: outHeight), wx = axisWeights(inSize: m, outSize: outWidth)
        // Rows first: [outH, M, C], then columns.
        var rows = [Double](repeating: 0, count: outHeight * m * c)
        for i in 0..<outHeight {
            for a in 0..<m where wy[i * m + a] != 0 {
                let wa = wy[i * m + a]
                for b in 0..<m {
                    for ch in 0..<c { rows[(i * m + b) * c + ch] += wa * Double(grid[(a * m + b) * c + ch]) }
                }
            }
        }
        var out = [Float](repeating: 0, count: outHeight * outWidth * c)
        var acc = [Double](repeating: 0, count: c)
        for i in 0..<outHeight {
            for j in 0..<outWidth {
                for ch in 0..<c { acc[ch] = 0 }
                for b in 0..<m where wx[j * m + b] != 0 {
                    let wb = wx[j * m + b]
                    for ch in 0..<c { acc[ch] += wb * rows[(i * m + b) * c + ch] }
                }
                for ch in 0..<c { out[(i * outWidth + j) * c + ch] = Float(acc[ch]) }
            }
        }
        return out
    }

    // PyTorch's cubic convolution, A = −0.75: |x| ≤ 1 and 1 < |x| < 2.
    static func cubic1(_ x: Double) -> Double { let a = -0.75; return ((a + 2) * x - (a + 3)) * x * x + 1 }
    static func cubic2(_ x: Double) -> Double { let a = -0.75; return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }

    // The antialiased filter (PIL's bicubic, a = −0.5).
    static func cubicAA(_ x: Double) -> Double {
        let a = -0.5, x = abs(x)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }
}
