import XCTest
import ThawKernels
import ThawKernelsAVX2
import ThawKernelsAVX512

/// `AVX2Kernels.pointwiseRows` (6- and 4-row tiles over 16-/8-column halves of the 32-column panels) against a float64
/// reference: every row count modulo the tiles (1–13, 49), last panels with 1–32 valid columns, bias, residual,
/// clamp, strided rows (lda > k, ldy/ldr > n) and a panel subrange; nothing written outside the rows and columns.
/// On an AVX-512 CPU also against `AVX512Kernels.pointwiseRows`, which does the same arithmetic: the same floats.
final class AVX2PointwiseTests: XCTestCase {
    struct Case { let rows, k, n: Int; let residual: Bool; let low, high: Float; var panels: Range<Int>? = nil }

    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
        mutating func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
    }

    static let sentinel: Float = -1234.5

    /// y [rows, ldy = n + 3] from one build (sentinel elsewhere), the float64 reference and each output's Σ |term|
    /// (the scale of a float dot product's rounding error: a lost or doubled term is far above 1e-5 of it).
    /// `nanRow`: a NaN in that row of a (every output of the row NaN).
    func run(_ t: Case, avx512: Bool, nanRow: Int? = nil) -> (got: [Float], want: [Double], magnitude: [Double], ldy: Int) {
        var rng = Seeded(seed: UInt64(t.rows * 1000 + t.k * 10 + t.n))
        let pw = 32, panelCount = (t.n + pw - 1) / pw
        let lda = t.k + 5, ldy = t.n + 3, ldr = t.n + 7
        var a = (0..<t.rows * lda).map { _ in Float.random(in: -1...1, using: &rng) }
        if let nanRow { a[nanRow * lda + t.k / 2] = .nan }
        let b = (0..<t.k * t.n).map { _ in Float.random(in: -1...1, using: &rng) }
        let bias = (0..<panelCount * pw).map { j in j < t.n ? Float.random(in: -1...1, using: &rng) : 0 }
        let skip = (0..<t.rows * ldr).map { _ in Float.random(in: -2...2, using: &rng) }
        var packed = [Float](repeating: 0, count: panelCount * t.k * pw)
        for p in 0..<panelCount { for i in 0..<t.k { for j in 0..<min(pw, t.n - pw * p) { packed[(p * t.k + i) * pw + j] = b[i * t.n + pw * p + j] } } }
        var y = [Float](repeating: Self.sentinel, count: t.rows * ldy)
        let panels = t.panels ?? 0..<panelCount
        packed.withUnsafeBufferPointer { pb in a.withUnsafeBufferPointer { ab in bias.withUnsafeBufferPointer { bb in
            skip.withUnsafeBufferPointer { sb in y.withUnsafeMutableBufferPointer { yb in
                let residual = t.residual ? sb.baseAddress : nil
                if avx512 {
                    AVX512Kernels.pointwiseRows(a: ab.baseAddress!, lda: lda, rows: t.rows, k: t.k, packed: pb.baseAddress!, n: t.n,
                                                panels: panels, bias: bb.baseAddress!, residual: residual, ldr: ldr,
                                                low: t.low, high: t.high, y: yb.baseAddress!, ldy: ldy)
                } else {
                    AVX2Kernels.pointwiseRows(a: ab.baseAddress!, lda: lda, rows: t.rows, k: t.k, packed: pb.baseAddress!, n: t.n,
                                              panels: panels, bias: bb.baseAddress!, residual: residual, ldr: ldr,
                                              low: t.low, high: t.high, y: yb.baseAddress!, ldy: ldy)
                }
            } }
        } } }
        var want = [Double](repeating: Double(Self.sentinel), count: t.rows * ldy)
        var magnitude = [Double](repeating: 1, count: t.rows * ldy)
        let columns = panels.lowerBound * pw..<min(t.n, panels.upperBound * pw)
        for r in 0..<t.rows {
            for j in columns {
                var s = 0.0, m = 0.0
                for i in 0..<t.k { let term = Double(a[r * lda + i]) * Double(b[i * t.n + j]); s += term; m += abs(term) }
                s += Double(bias[j]); m += abs(Double(bias[j]))
                if t.residual { s += Double(skip[r * ldr + j]); m += abs(Double(skip[r * ldr + j])) }
                want[r * ldy + j] = min(max(s, Double(t.low)), Double(t.high))
                magnitude[r * ldy + j] = max(1, m)
            }
        }
        return (y, want, magnitude, ldy)
    }

    static var cases: [Case] {
        var cases: [Case] = []
        // Every row remainder of the 6-/4-row tiles, on a full panel + halves of 16, 8+4 and 4 valid columns.
        for rows in Array(1...13) + [49] {
            for n in [32, 48, 44, 36] {
                cases.append(Case(rows: rows, k: 19, n: n, residual: rows % 2 == 0, low: -.infinity, high: .infinity))
            }
        }
        // Last panels with 1…32 valid columns, ReLU6 (both bounds reached) and a residual.
        for n in [1, 3, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 40, 56, 57, 72] {
            cases.append(Case(rows: 14, k: 40, n: n, residual: false, low: 0, high: 6))
            cases.append(Case(rows: 9, k: 40, n: n, residual: true, low: -.infinity, high: .infinity))
        }
        // Mobile-network shapes: 7×7 and 14×14 maps, a panel subrange.
        cases.append(Case(rows: 49, k: 192, n: 1152, residual: false, low: 0, high: 6))
        cases.append(Case(rows: 196, k: 672, n: 112, residual: true, low: -.infinity, high: .infinity))
        cases.append(Case(rows: 28, k: 320, n: 1280, residual: false, low: 0, high: 6, panels: 3..<5))
        cases.append(Case(rows: 21, k: 96, n: 40, residual: true, low: -.infinity, high: .infinity, panels: 1..<2))
        cases.append(Case(rows: 5, k: 1, n: 24, residual: false, low: 0, high: .infinity))
        // A residual and a clamp together (whole 6-/4-row tiles of 16 and 8 columns, and partial ones).
        for rows in [4, 6, 10, 12, 13] {
            cases.append(Case(rows: rows, k: 24, n: 40, residual: true, low: 0, high: 6))
            cases.append(Case(rows: rows, k: 16, n: 48, residual: true, low: -1, high: .infinity))
        }
        return cases
    }

    func testAgainstTheFloat64Reference() throws {
        try XCTSkipUnless(VectorISA.avx2Kernels, "this CPU lacks AVX2 + FMA: the AVX2 kernels never run")
        for t in Self.cases {
            let (got, want, magnitude, ldy) = run(t, avx512: false)
            var worst = 0.0
            for i in got.indices {
                if want[i] == Double(Self.sentinel) {
                    XCTAssertEqual(got[i], Self.sentinel, "\(t): [\(i / ldy), \(i % ldy)] written outside the rows and columns")
                    continue
                }
                XCTAssertFalse(got[i].isNaN, "\(t): NaN at [\(i / ldy), \(i % ldy)]")
                worst = max(worst, abs(Double(got[i]) - want[i]) / magnitude[i])
            }
            XCTAssertLessThan(worst, 1e-5, "\(t)")
        }
    }

    /// Whole vectors clamped in registers (`AVX2Kernels.pointwiseRegisterClamp`, the default) or in L1 after the store: the same
    /// bits, NaN rows (a NaN input) included, on every clamped case.
    func testRegisterClampChangesNoBit() throws {
        try XCTSkipUnless(VectorISA.avx2Kernels, "this CPU lacks AVX2 + FMA: the AVX2 kernels never run")
        let saved = AVX2Kernels.pointwiseRegisterClamp
        defer { AVX2Kernels.pointwiseRegisterClamp = saved }
        for t in Self.cases where t.low > -.infinity || t.high < .infinity {
            AVX2Kernels.pointwiseRegisterClamp = true
            let inRegisters = run(t, avx512: false, nanRow: t.rows / 2).got
            AVX2Kernels.pointwiseRegisterClamp = false
            let inL1 = run(t, avx512: false, nanRow: t.rows / 2).got
            XCTAssertEqual(inRegisters.map(\.bitPattern), inL1.map(\.bitPattern), "\(t)")
            XCTAssertTrue(inRegisters.contains { $0.isNaN }, "\(t): the NaN row")
        }
    }

    /// Whole tiles finished with the per-tile decisions hoisted (`AVX2Kernels.pointwiseWholeTiles`, the default) or row
    /// by row: the same bits on every case (linear, residual, clamp, both; 6- and 4-row tiles of 16 and 8 columns and
    /// partial ones), NaN rows included.
    func testWholeTilesChangeNoBit() throws {
        try XCTSkipUnless(VectorISA.avx2Kernels, "this CPU lacks AVX2 + FMA: the AVX2 kernels never run")
        let saved = AVX2Kernels.pointwiseWholeTiles
        defer { AVX2Kernels.pointwiseWholeTiles = saved }
        for t in Self.cases {
            AVX2Kernels.pointwiseWholeTiles = true
            let whole = run(t, avx512: false, nanRow: t.rows / 2).got
            AVX2Kernels.pointwiseWholeTiles = false
            let byRow = run(t, avx512: false, nanRow: t.rows / 2).got
            XCTAssertEqual(whole.map(\.bitPattern), byRow.map(\.bitPattern), "\(t)")
        }
    }

    func testSameFloatsAsTheAVX512Build() throws {
        try XCTSkipUnless(VectorISA.avx512 && VectorISA.avx2Kernels, "needs a CPU with AVX-512 (the AVX-512 build runs there only)")
        for t in Self.cases {
            XCTAssertEqual(run(t, avx512: false).got.map(\.bitPattern), run(t, avx512: true).got.map(\.bitPattern), "\(t)")
        }
    }
}
