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

    /// U = G w Gᵀ for every (ci, co) from the 3×3 weights at `w` — the GEMM layout [3][3][Cin][Cout], or its
    /// 64-column panels [Cout/64][9·Cin][64] (`weightInPanels`, what `Conv2D.preparingPanels()` keeps) — as
    /// U [36][Cin][Cout], or per position in 64-column panels [36][Cout/64][Cin][64] (`intoPanels`: the AVX-512
    /// panel kernel's layout). Written straight into the final layout (no second copy); Float64 arithmetic,
    /// parallel over Cin.
    static func transformFilter(_ w: UnsafePointer<Float>, weightInPanels: Bool, inChannels cin: Int, outChannels cout: Int,
                                intoPanels: Bool) -> [Float] {
        let width = 64, plane = cin * cout, k = 9 * cin
        precondition(!(weightInPanels || intoPanels) || cout % width == 0,
                     "WinogradF43.transformFilter: panels need Cout a multiple of \(width), got \(cout)")
        // Element (row = (a·3 + b)·Cin + ci, co) of the weights; element (ci, co) of one position's U plane.
        @inline(__always) func wIndex(_ row: Int, _ co: Int) -> Int {
            weightInPanels ? ((co / width) * k + row) * width + co % width : row * cout + co
        }
        @inline(__always) func uIndex(_ ci: Int, _ co: Int) -> Int {
            intoPanels ? ((co / width) * cin + ci) * width + co % width : ci * cout + co
        }
        var u = [Float](repeating: 0, count: positions * plane)
        u.withUnsafeMutableBufferPointer { ub in
            let up = ub.baseAddress!
            ParallelRows.run(cin, grain: max(1, 8192 / cout)) { part in
                var gw = [Double](repeating: 0, count: 18)
                for ci in part {
                    for co in 0..<cout {
                        // gw [6][3] = G · w(ci, co), then u = gw · Gᵀ [6][6].
                        for r in 0..<6 {
                            for b in 0..<3 {
                                var s = 0.0
                                for a in 0..<3 { s += g[r][a] * Double(w[wIndex((a * 3 + b) * cin + ci, co)]) }
                                gw[r * 3 + b] = s
                            }
                        }
                        let at = uIndex(ci, co)
                        for r in 0..<6 {
                            for q in 0..<6 {
                                var s = 0.0
                                for b in 0..<3 { s += gw[r * 3 + b] * g[q][b] }
                                up[(r * 6 + q) * plane + at] = Float(s)
                            }
                        }
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
