/// The three transforms of Winograd's minimal filtering F(4×4, 3×3) (Lavin & Gray 2016, points
/// 0, ±1, ±2, ∞): a 3×3 correlation over a 6×6 input tile gives a 4×4 output tile as
///
///     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A            (⊙: element-wise over the 6×6 = 36 positions)
///
/// so the 144 multiply-adds per output pixel and channel pair of a direct 3×3 convolution become
/// 36 per 4×4 tile, i.e. 2.25 per pixel (4× fewer), once the transforms are paid. Summed over input
/// channels, position ξ of the element-wise product is one GEMM: M[ξ] [tiles, Cout] =
/// V[ξ] [tiles, Cin] × U[ξ] [Cin, Cout].
///
/// Accuracy: the points ±2 amplify rounding; on the ResNet parity fixtures the worst tap error
/// stays within the 1e-4 bound (see `WinogradTests`). The filter transform runs in Float64.
///
/// The tile transforms live in ThawKernelsAVX2 (`WinogradTiles`): vectorised over 8 channels of NHWC
/// data, so channel counts must be multiples of 8 (`Conv2DShape.allowsWinograd`), and run only on
/// CPUs with AVX2 + FMA; elsewhere every convolution stays on im2col.
enum WinogradF43 {
    /// Transformed positions per tile (6×6).
    static let positions = 36
    /// Output pixels per tile side.
    static let tile = 4

    /// G [6, 3]: the filter transform.
    private static let g: [[Double]] = [
        [1.0 / 4, 0, 0],
        [-1.0 / 6, -1.0 / 6, -1.0 / 6],
        [-1.0 / 6, 1.0 / 6, -1.0 / 6],
        [1.0 / 24, 1.0 / 12, 1.0 / 6],
        [1.0 / 24, -1.0 / 12, 1.0 / 6],
        [0, 0, 1],
    ]

    /// U [36][Cin][Cout] = G w Gᵀ for every (ci, co), from GEMM-layout weights `w` [3][3][Cin][Cout].
    static func transformFilter(_ w: [Float], inChannels cin: Int, outChannels cout: Int) -> [Float] {
        precondition(w.count == 9 * cin * cout, "WinogradF43.transformFilter: need 3·3·\(cin)·\(cout) weights, got \(w.count)")
        var u = [Float](repeating: 0, count: positions * cin * cout)
        let plane = cin * cout
        for ci in 0..<cin {
            for co in 0..<cout {
                // gw [6][3] = G · w(ci, co), then u = gw · Gᵀ [6][6].
                var gw = [Double](repeating: 0, count: 18)
                for r in 0..<6 {
                    for b in 0..<3 {
                        var s = 0.0
                        for a in 0..<3 { s += g[r][a] * Double(w[(a * 3 + b) * plane + ci * cout + co]) }
                        gw[r * 3 + b] = s
                    }
                }
                for r in 0..<6 {
                    for q in 0..<6 {
                        var s = 0.0
                        for b in 0..<3 { s += gw[r * 3 + b] * g[q][b] }
                        u[(r * 6 + q) * plane + ci * cout + co] = Float(s)
                    }
                }
            }
        }
        return u
    }

    /// The lower and upper clamp that apply `activation` in `WinogradTiles.outputTile`.
    static func clamps(_ activation: Activation) -> (low: Float, high: Float) {
        switch activation {
        case .identity: return (-.infinity, .infinity)
        case .relu: return (0, .infinity)
        case .relu6: return (0, 6)
        }
    }
}
