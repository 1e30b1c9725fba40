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
/// Tiles and outputs are vectorised over 8 channels of NHWC data (`SIMD8<Float>`), so channel
/// counts must be multiples of 8 (`Conv2DShape.allowsWinograd`).
enum WinogradF43 {
    typealias F8 = SIMD8<Float>
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

    /// Bᵀ applied to one line of six values.
    @inline(__always)
    private static func inputLine(_ d0: F8, _ d1: F8, _ d2: F8, _ d3: F8, _ d4: F8, _ d5: F8)
        -> (F8, F8, F8, F8, F8, F8) {
        let t0 = 4 * d0 - 5 * d2 + d4
        let t1 = d3 + d4 - 4 * (d1 + d2)
        let t2 = 4 * (d1 - d2) + d4 - d3
        let t3 = 2 * (d3 - d1) + d4 - d2
        let t4 = 2 * (d1 - d3) + d4 - d2
        let t5 = 4 * d1 - 5 * d3 + d5
        return (t0, t1, t2, t3, t4, t5)
    }

    /// Aᵀ applied to one line of six values.
    @inline(__always)
    private static func outputLine(_ m0: F8, _ m1: F8, _ m2: F8, _ m3: F8, _ m4: F8, _ m5: F8) -> (F8, F8, F8, F8) {
        let a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4
        return (m0 + a + c, b + 2 * d, a + 4 * c, b + 8 * d + m5)
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }

    @inline(__always)
    private static func store(_ v: F8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self) }

    /// V[ξ] = (Bᵀ d B)[ξ] for the 6×6 window at (`y0`, `x0`) of one image (zeros outside it).
    ///
    /// - image: [H, W, C] of one image; C a multiple of 8.
    /// - v: position 0 of this tile's row; position ξ lands at `v + ξ·positionStride`, [C] each.
    /// - scratch: 36 vectors of the caller's.
    static func inputTile(_ image: UnsafePointer<Float>, height h: Int, width w: Int, channels c: Int,
                          y0: Int, x0: Int, into v: UnsafeMutablePointer<Float>, positionStride: Int,
                          scratch d: UnsafeMutablePointer<F8>) {
        var cb = 0
        while cb < c {
            for i in 0..<6 {
                let iy = y0 + i
                if iy < 0 || iy >= h {
                    for j in 0..<6 { d[i * 6 + j] = F8() }
                    continue
                }
                let line = image + iy * w * c + cb
                for j in 0..<6 {
                    let ix = x0 + j
                    d[i * 6 + j] = ix < 0 || ix >= w ? F8() : load(line + ix * c)
                }
            }
            for j in 0..<6 {                       // columns: Bᵀ d
                let t = inputLine(d[j], d[6 + j], d[12 + j], d[18 + j], d[24 + j], d[30 + j])
                d[j] = t.0; d[6 + j] = t.1; d[12 + j] = t.2; d[18 + j] = t.3; d[24 + j] = t.4; d[30 + j] = t.5
            }
            for k in 0..<6 {                       // rows: (Bᵀ d) B
                let r = k * 6
                let t = inputLine(d[r], d[r + 1], d[r + 2], d[r + 3], d[r + 4], d[r + 5])
                let out = v + r * positionStride + cb
                store(t.0, out); store(t.1, out + positionStride); store(t.2, out + 2 * positionStride)
                store(t.3, out + 3 * positionStride); store(t.4, out + 4 * positionStride); store(t.5, out + 5 * positionStride)
            }
            cb += 8
        }
    }

    /// y tile = act(Aᵀ m A + bias) for the 4×4 tile at (`y0`, `x0`) of one output image; pixels
    /// past the bottom/right edge are dropped.
    ///
    /// - m: position 0 of this tile's row; position ξ at `m + ξ·positionStride`, [Cout] each.
    /// - image: [OH, OW, Cout] of one image; Cout a multiple of 8.
    /// - scratch: 36 vectors of the caller's.
    static func outputTile(_ m: UnsafePointer<Float>, positionStride: Int, channels c: Int,
                           bias: UnsafePointer<Float>?, activation: Activation,
                           into image: UnsafeMutablePointer<Float>, height oh: Int, width ow: Int, y0: Int, x0: Int,
                           scratch s: UnsafeMutablePointer<F8>) {
        let rows = min(4, oh - y0), cols = min(4, ow - x0)
        var cb = 0
        while cb < c {
            for l in 0..<6 {                       // columns: Aᵀ m, 4 rows of 6
                let p = m + l * positionStride + cb
                let t = outputLine(load(p), load(p + 6 * positionStride), load(p + 12 * positionStride),
                                   load(p + 18 * positionStride), load(p + 24 * positionStride), load(p + 30 * positionStride))
                s[l] = t.0; s[6 + l] = t.1; s[12 + l] = t.2; s[18 + l] = t.3
            }
            let b = bias.map { load($0 + cb) } ?? F8()
            for r in 0..<rows {                    // rows: (Aᵀ m) A
                let q = r * 6
                let t = outputLine(s[q], s[q + 1], s[q + 2], s[q + 3], s[q + 4], s[q + 5])
                let line = image + ((y0 + r) * ow + x0) * c + cb
                store(activate(t.0 + b, activation), line)
                if cols > 1 { store(activate(t.1 + b, activation), line + c) }
                if cols > 2 { store(activate(t.2 + b, activation), line + 2 * c) }
                if cols > 3 { store(activate(t.3 + b, activation), line + 3 * c) }
            }
            cb += 8
        }
    }

    @inline(__always)
    private static func activate(_ v: F8, _ activation: Activation) -> F8 {
        switch activation {
        case .identity: return v
        case .relu: return v.replacing(with: 0, where: v .< 0)
        case .relu6: return v.replacing(with: 0, where: v .< 0).replacing(with: 6, where: v .> 6)
        }
    }
}
