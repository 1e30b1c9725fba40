import XCTest
import ThawKernels
import ThawKernelsAVX2
import ThawKernelsAVX512

/// `AVX2Kernels.panelGEMM` (6 × 16 blocks, quarters of the 64-column panels) against a float64 reference, with bias,
/// residual, clamp, K passes and every leftover row count; on an AVX-512 CPU also against the AVX-512 build, which
/// does the same arithmetic lane for lane (the same floats).
final class AVX2PanelGEMMTests: XCTestCase {
    struct Case { let rows, k, n: Int; let bias, residual: Bool; let low, high: Float; let kBlock: Int }

    /// A seeded xorshift generator: the same inputs on every run.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
        mutating func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
    }

    /// B [K, N] into [N/64][K][64], zeros past N (the layout both builds take).
    static func pack(_ b: [Float], k: Int, n: Int) -> [Float] {
        let panels = (n + 63) / 64
        var out = [Float](repeating: 0, count: panels * k * 64)
        for p in 0..<panels { for i in 0..<k { for j in 0..<min(64, n - 64 * p) { out[(p * k + i) * 64 + j] = b[i * n + 64 * p + j] } } }
        return out
    }

    /// B [K, N] into the AVX2 build's strip layout [N/64][4][K][16], zeros past N (what `PanelStrips.restripe` makes
    /// of `pack`), written here from B directly.
    static func packStrips(_ b: [Float], k: Int, n: Int) -> [Float] {
        let panels = (n + 63) / 64
        var out = [Float](repeating: 0, count: panels * k * 64)
        for p in 0..<panels { for q in 0..<4 { for i in 0..<k { for j in 0..<16 where 64 * p + 16 * q + j < n {
            out[((p * 4 + q) * k + i) * 16 + j] = b[i * n + 64 * p + 16 * q + j]
        } } } }
        return out
    }

    func run(_ t: Case, avx512: Bool) -> (got: [Float], want: [Double]) {
        let (got, want, _) = runWithChain(t, avx512: avx512)
        return (got, want)
    }

    /// The kernel's output, the float64 reference, and the one-chain float reference: per output one fused
    /// multiply-add per k in order from zero (per K pass with `kBlock`), + bias, + residual, clamp — the AVX-512
    /// build's floats, which every order of the AVX2 kernel must give exactly.
    /// `inStrips`: the weights in the strip layout (`packStrips`), read by `panelGEMM(…inStrips: true)`.
    func runWithChain(_ t: Case, avx512: Bool, inStrips: Bool = false) -> (got: [Float], want: [Double], chain: [Float]) {
        var rng = Seeded(seed: UInt64(t.rows * 1000 + t.k * 10 + t.n))
        let n = ((t.n + 63) / 64) * 64              // C's and residual's row stride: whole panels
        let a = (0..<t.rows * t.k).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<t.k * t.n).map { _ in Float.random(in: -1...1, using: &rng) }
        let bias = (0..<n).map { j in j < t.n ? Float.random(in: -1...1, using: &rng) : 0 }
        let skip = (0..<t.rows * n).map { _ in Float.random(in: -2...2, using: &rng) }
        let packed = inStrips ? Self.packStrips(b, k: t.k, n: t.n) : Self.pack(b, k: t.k, n: t.n)
        var c = [Float](repeating: .nan, count: t.rows * n)
        packed.withUnsafeBufferPointer { pb in a.withUnsafeBufferPointer { ab in bias.withUnsafeBufferPointer { bb in
            skip.withUnsafeBufferPointer { sb in c.withUnsafeMutableBufferPointer { cb in
                let args = (bias: t.bias ? bb.baseAddress : nil, residual: t.residual ? sb.baseAddress : nil)
                if avx512 {
                    AVX512Kernels.panelGEMM(rows: t.rows, k: t.k, a: ab.baseAddress!, lda: t.k, packed: pb.baseAddress!,
                                            panels: 0..<(n / 64), c: cb.baseAddress!, ldc: n, bias: args.bias, residual: args.residual,
                                            ldr: n, low: t.low, high: t.high, kBlock: t.kBlock)
                } else {
                    AVX2Kernels.panelGEMM(rows: t.rows, k: t.k, a: ab.baseAddress!, lda: t.k, packed: pb.baseAddress!,
                                          panels: 0..<(n / 64), c: cb.baseAddress!, ldc: n, bias: args.bias, residual: args.residual,
                                          ldr: n, low: t.low, high: t.high, kBlock: t.kBlock, inStrips: inStrips)
                }
            } }
        } } }
        var want = [Double](repeating: 0, count: t.rows * t.n)
        for r in 0..<t.rows {
            for j in 0..<t.n {
                var s = 0.0
                for i in 0..<t.k { s += Double(a[r * t.k + i]) * Double(b[i * t.n + j]) }
                if t.bias { s += Double(bias[j]) }
                if t.residual { s += Double(skip[r * n + j]) }
                want[r * t.n + j] = min(max(s, Double(t.low)), Double(t.high))
            }
        }
        var chain = [Float](repeating: 0, count: t.rows * t.n)
        for r in 0..<t.rows {
            for j in 0..<t.n {
                var stored: Float = 0, k0 = 0
                while k0 < t.k {
                    var s: Float = 0
                    for i in k0..<min(t.k, k0 + t.kBlock) { s = s.addingProduct(a[r * t.k + i], b[i * t.n + j]) }
                    if k0 == 0 {
                        stored = s + (t.bias ? bias[j] : 0)
                        if t.residual { stored += skip[r * n + j] }
                    } else {
                        stored = (s + 0) + stored
                    }
                    k0 = k0 >= t.k - t.kBlock ? t.k : k0 + t.kBlock
                }
                chain[r * t.n + j] = min(max(stored, t.low), t.high)
            }
        }
        let got = (0..<t.rows * t.n).map { c[($0 / t.n) * n + $0 % t.n] }
        return (got, want, chain)
    }

    static let cases: [Case] = [
        Case(rows: 49, k: 192, n: 1152, bias: true, residual: false, low: 0, high: 6, kBlock: .max),          // 7×7, ReLU6
        Case(rows: 13, k: 96, n: 64, bias: false, residual: true, low: -.infinity, high: .infinity, kBlock: .max),
        Case(rows: 11, k: 384, n: 128, bias: true, residual: true, low: -.infinity, high: .infinity, kBlock: 100),  // K passes
        Case(rows: 1, k: 33, n: 192, bias: true, residual: false, low: 0, high: .infinity, kBlock: .max),
        Case(rows: 5, k: 7, n: 40, bias: true, residual: true, low: -.infinity, high: .infinity, kBlock: .max),   // zeros past N
    ]

    func testAgainstTheFloat64Reference() throws {
        try XCTSkipUnless(VectorISA.avx2Kernels, "this CPU lacks AVX2 + FMA: the AVX2 kernels never run")
        for t in Self.cases {
            let (got, want) = run(t, avx512: false)
            var worst = 0.0
            for i in got.indices {
                XCTAssertFalse(got[i].isNaN, "\(t): NaN at \(i)")
                worst = max(worst, abs(Double(got[i]) - want[i]) / max(1, abs(want[i])))
            }
            XCTAssertLessThan(worst, 1e-5, "\(t)")
        }
    }

    /// Every order of the AVX2 kernel (row slabs of any height, prefetch on or off, K blocks per 6-row block of any
    /// depth with a partial last block, the order before them, single rows wide or by quarters, weights read in place
    /// or from contiguous strips for calls of ≥ 6 or ≥ 48 rows) gives the one-chain floats exactly, with leftover rows
    /// inside and at the end of slabs, K passes, residual and clamp.
    func testEveryOrderGivesTheOneChainFloats() throws {
        try XCTSkipUnless(VectorISA.avx2Kernels, "this CPU lacks AVX2 + FMA: the AVX2 kernels never run")
        let saved = (AVX2Kernels.panelRowSlab, AVX2Kernels.panelPrefetchRows, AVX2Kernels.panelDepthBlock, AVX2Kernels.panelWideRow,
                     AVX2Kernels.panelStripRows, AVX2Kernels.panelInlineEnds)
        defer {
            (AVX2Kernels.panelRowSlab, AVX2Kernels.panelPrefetchRows, AVX2Kernels.panelDepthBlock, AVX2Kernels.panelWideRow,
             AVX2Kernels.panelStripRows, AVX2Kernels.panelInlineEnds) = saved
        }
        let cases = Self.cases + [
            Case(rows: 103, k: 64, n: 192, bias: true, residual: true, low: 0, high: .infinity, kBlock: .max),   // slabs of 2048
            Case(rows: 61, k: 130, n: 128, bias: false, residual: true, low: -.infinity, high: .infinity, kBlock: 48),
        ]
        // K blocks of at most 48: K 33 → one, 96 → two, 192 → four, passes of 100 → three (34, 34, 32); of 7: 33 → five.
        // Leftover single rows (every case has one) as one row × 64 columns and as four quarters.
        // Weights laid out as strips at load (`inStrips`: every block and leftover row reads them, whatever
        // `panelStripRows`) and as panels. Epilogues inlined or called: each with every layout and four orders.
        for (wide, strips, inStrips) in [(true, Int.max, false), (false, Int.max, false), (true, 6, false), (false, 48, false),
                                         (true, 48, true), (false, Int.max, true)] {
            AVX2Kernels.panelStripRows = strips
            for (order, (slab, prefetch, depth)) in [(Int.max, false, Int.max), (0, true, 1024), (0, false, 48), (10, true, 48),
                                                     (12, true, 100), (6, false, 7), (7, true, 1), (Int.max, true, 64)].enumerated() {
                (AVX2Kernels.panelRowSlab, AVX2Kernels.panelPrefetchRows, AVX2Kernels.panelDepthBlock) = (slab, prefetch, depth)
                AVX2Kernels.panelInlineEnds = order % 2 == 0
                AVX2Kernels.panelWideRow = wide
                for t in cases {
                    let (got, _, chain) = runWithChain(t, avx512: false, inStrips: inStrips)
                    XCTAssertEqual(got, chain, "\(t), slab \(slab), prefetch \(prefetch), K block \(depth), wide row \(wide), strips from \(strips) rows, strips at load \(inStrips), inline ends \(AVX2Kernels.panelInlineEnds)")
                }
            }
        }
    }

    /// `PanelGEMMOrder.rowSlab` (the benchmarks' `row-slab` knob): 0 is `panelRowSlab` `.max` (each panel over all rows),
    /// other values are rows per slab, at least 6; reading it back gives what was set.
    func testRowSlabKnobMapsToPanelRowSlab() {
        let saved = AVX2Kernels.panelRowSlab
        defer { AVX2Kernels.panelRowSlab = saved }
        PanelGEMMOrder.rowSlab = 0
        XCTAssertEqual(AVX2Kernels.panelRowSlab, .max)
        XCTAssertEqual(PanelGEMMOrder.rowSlab, 0)
        PanelGEMMOrder.rowSlab = 48
        XCTAssertEqual(AVX2Kernels.panelRowSlab, 48)
        XCTAssertEqual(PanelGEMMOrder.rowSlab, 48)
        PanelGEMMOrder.rowSlab = 2
        XCTAssertEqual(AVX2Kernels.panelRowSlab, 6)
    }

    /// `PanelStrips.restripe` turns the panels of `pack` into the strips of `packStrips`, for one panel and several.
    func testRestripeLaysPanelsOutAsStrips() {
        var rng = Seeded(seed: 7)
        for (k, n) in [(1, 64), (5, 128), (33, 192)] {
            let b = (0..<k * n).map { _ in Float.random(in: -1...1, using: &rng) }
            var packed = Self.pack(b, k: k, n: n)
            PanelStrips.restripe(&packed, k: k)
            XCTAssertEqual(packed, Self.packStrips(b, k: k, n: n), "K \(k), N \(n)")
        }
    }

    func testSameFloatsAsTheAVX512Build() throws {
        try XCTSkipUnless(VectorISA.avx512 && VectorISA.avx2Kernels, "needs a CPU with AVX-512 (the AVX-512 build runs there only)")
        for t in Self.cases { XCTAssertEqual(run(t, avx512: false).got, run(t, avx512: true).got, "\(t)") }
    }
}
