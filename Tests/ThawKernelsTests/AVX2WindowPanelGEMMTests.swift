import XCTest
import ThawKernels
import ThawKernelsAVX2
import ThawKernelsAVX512

/// `AVX2Kernels.windowPanelGEMM` (rows of A read as convolution windows of an NHWC map) against a float64 direct
/// convolution, with bias, residual, clamps and every leftover row count, in one pass and a pass per window row; quarter
/// blocks (groups of runs, runs cut into pieces, slabs of rows), weights read in place instead of from strips and weights
/// packed as strips (`packedInStrips`) bit for bit against one pass; bit for bit against `AVX2Kernels.panelGEMM`
/// on the im2col rows (same blocks, same order over K) and, on an AVX-512 CPU, against the AVX-512 build.
final class AVX2WindowPanelGEMMTests: XCTestCase {
    /// A padded map [images, hp, wp, cin] read by kh×kw windows at stride s; `rows` output pixels from the first.
    struct Case { let images, hp, wp, cin, cout, kh, kw, stride: Int; let bias, residual: Bool; let low, high: Float }

    struct Result { var windows: [Float]; var passes: [Float]; var quarterBlocks: [[Float]]; var runPieces: [[Float]]
        var rowSlabs: [[Float]]; var narrowLeftovers: [Float]; var inPlace: [[Float]]
        var im2col: [Float]; var avx512: [Float]?; var want: [Double] }

    static let cases: [Case] = [
        Case(images: 2, hp: 21, wp: 19, cin: 3, cout: 64, kh: 7, kw: 7, stride: 2, bias: true, residual: false, low: 0, high: .infinity),  // a stem
        Case(images: 1, hp: 11, wp: 11, cin: 16, cout: 128, kh: 3, kw: 3, stride: 2, bias: true, residual: true,
             low: -.infinity, high: .infinity),
        Case(images: 3, hp: 7, wp: 5, cin: 24, cout: 40, kh: 1, kw: 1, stride: 2, bias: false, residual: true,
             low: -.infinity, high: .infinity),                                                               // zeros past N
        Case(images: 1, hp: 9, wp: 10, cin: 8, cout: 192, kh: 3, kw: 3, stride: 1, bias: true, residual: false, low: 0, high: 6),
        Case(images: 1, hp: 3, wp: 11, cin: 16, cout: 64, kh: 3, kw: 3, stride: 2, bias: true, residual: true,
             low: 0, high: .infinity),                                                          // 5 rows: under one 6-row block
    ]

    func run(_ t: Case) -> Result {
        var rng = AVX2PanelGEMMTests.Seeded(seed: UInt64(t.hp * 1000 + t.cin * 10 + t.kh))
        let oh = (t.hp - t.kh) / t.stride + 1, ow = (t.wp - t.kw) / t.stride + 1
        let rows = t.images * oh * ow, k = t.kh * t.kw * t.cin
        let n = ((t.cout + 63) / 64) * 64                 // C's and residual's row stride: whole panels
        let map = (0..<t.images * t.hp * t.wp * t.cin).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<k * t.cout).map { _ in Float.random(in: -1...1, using: &rng) }   // [kh][kw][cin] × cout
        let bias = (0..<n).map { j in j < t.cout ? Float.random(in: -1...1, using: &rng) : 0 }
        let skip = (0..<rows * n).map { _ in Float.random(in: -2...2, using: &rng) }
        let packed = AVX2PanelGEMMTests.pack(b, k: k, n: t.cout)
        var offsets = [Int32](repeating: 0, count: rows), im2col = [Float](repeating: 0, count: rows * k)
        for r in 0..<rows {
            let image = r / (oh * ow), y = (r % (oh * ow)) / ow, x = r % ow
            let base = ((image * t.hp + y * t.stride) * t.wp + x * t.stride) * t.cin
            offsets[r] = Int32(base)
            for i in 0..<t.kh { for j in 0..<t.kw * t.cin { im2col[r * k + i * t.kw * t.cin + j] = map[base + i * t.wp * t.cin + j] } }
        }
        // kernel 0: one pass; 3: a pass per window row; 1: panelGEMM on im2col; 2: the AVX-512 build;
        // 4: quarters over all rows in groups of runs within `blockFloats` (the raw sums carried in C).
        // The layer's weights as strips for every panel (`windowStripsOf`), for calls that take them shared.
        var strips = [Float](repeating: .nan, count: k * n)
        packed.withUnsafeBufferPointer { pb in strips.withUnsafeMutableBufferPointer { sb in
            AVX2Kernels.windowStripsOf(packed: pb.baseAddress!, k: k, panels: 0..<(n / 64), into: sb.baseAddress!)
        } }
        // atLoad: `packed` given as the strips themselves (`packedInStrips`, weights laid out at load).
        func gemm(_ kernel: Int, blockFloats: Int = 0, blockRows: Int = .max, shared: Bool = false, atLoad: Bool = false) -> [Float] {
            var c = [Float](repeating: .nan, count: rows * n)
            packed.withUnsafeBufferPointer { pb in map.withUnsafeBufferPointer { mb in im2col.withUnsafeBufferPointer { ib in
                strips.withUnsafeBufferPointer { stb in
                bias.withUnsafeBufferPointer { bb in skip.withUnsafeBufferPointer { sb in offsets.withUnsafeBufferPointer { ob in
                    c.withUnsafeMutableBufferPointer { cb in
                        let (biasp, skipp) = (t.bias ? bb.baseAddress : nil, t.residual ? sb.baseAddress : nil)
                        switch kernel {
                        case 0, 3, 4:
                            AVX2Kernels.windowPanelGEMM(rows: rows, rowOffsets: ob.baseAddress!, a: mb.baseAddress!, segments: t.kh,
                                                        segmentK: t.kw * t.cin, segmentStride: t.wp * t.cin,
                                                        packed: atLoad ? stb.baseAddress! : pb.baseAddress!,
                                                        panels: 0..<(n / 64), c: cb.baseAddress!, ldc: n, bias: biasp,
                                                        residual: skipp, ldr: n, low: t.low, high: t.high, segmentPasses: kernel == 3,
                                                        quarterBlockFloats: blockFloats, quarterBlockRows: blockRows,
                                                        strips: shared ? stb.baseAddress! : nil, packedInStrips: atLoad)
                        case 1:
                            AVX2Kernels.panelGEMM(rows: rows, k: k, a: ib.baseAddress!, lda: k, packed: pb.baseAddress!,
                                                  panels: 0..<(n / 64), c: cb.baseAddress!, ldc: n, bias: biasp, residual: skipp,
                                                  ldr: n, low: t.low, high: t.high)
                        default:
                            AVX512Kernels.windowPanelGEMM(rows: rows, rowOffsets: ob.baseAddress!, a: mb.baseAddress!, segments: t.kh,
                                                          segmentK: t.kw * t.cin, segmentStride: t.wp * t.cin, packed: pb.baseAddress!,
                                                          panels: 0..<(n / 64), c: cb.baseAddress!, ldc: n, bias: biasp,
                                                          residual: skipp, ldr: n, low: t.low, high: t.high)
                        }
                    }
                } } }
            } } } }
            return (0..<rows * t.cout).map { c[($0 / t.cout) * n + $0 % t.cout] }
        }
        var want = [Double](repeating: 0, count: rows * t.cout)
        for r in 0..<rows {
            for j in 0..<t.cout {
                var s = 0.0
                for i in 0..<k { s += Double(im2col[r * k + i]) * Double(b[i * t.cout + j]) }
                if t.bias { s += Double(bias[j]) }
                if t.residual { s += Double(skip[r * n + j]) }
                want[r * t.cout + j] = min(max(s, Double(t.low)), Double(t.high))
            }
        }
        // Groups of one run, of two (the last one shorter where kh is odd), of kh - 1 (1×1: one group of the whole K).
        let slice = t.kw * t.cin * 16
        let blocks = [1, 2 * slice, t.kh * slice - 1].map { gemm(4, blockFloats: $0) }
        // Runs cut into pieces (`windowRunPieces`): two per run, three or four, and one k per piece.
        let pieces = AVX2Kernels.windowRunPieces
        AVX2Kernels.windowRunPieces = true
        let cut = [slice / 2, slice / 3, 16].map { gemm(4, blockFloats: $0) }
        AVX2Kernels.windowRunPieces = pieces
        // More rows than quarterBlockRows: slabs of 6, of 12 and of about half the rows (`windowRowSlabs`), runs in two pieces.
        let slabs = AVX2Kernels.windowRowSlabs
        AVX2Kernels.windowRowSlabs = true
        let slabbed = [5, 12, rows / 2].map { gemm(4, blockFloats: slice - 1, blockRows: max(1, $0)) }
        AVX2Kernels.windowRowSlabs = slabs
        // The last 1–3 rows one 16-column quarter at a time instead of one window × 64 columns.
        let wide = AVX2Kernels.windowWideLeftovers
        AVX2Kernels.windowWideLeftovers = false
        let narrow = gemm(0)
        AVX2Kernels.windowWideLeftovers = wide
        // The 6- and 4-row blocks reading the panel in place instead of contiguous strips (`windowStrips`): one pass,
        // quarter blocks of one run, runs in three pieces.
        let stripsOn = AVX2Kernels.windowStrips
        AVX2Kernels.windowStrips = false
        AVX2Kernels.windowRunPieces = true
        let inPlace = [gemm(0), gemm(4, blockFloats: 1), gemm(4, blockFloats: slice / 3)]
        AVX2Kernels.windowStrips = stripsOn
        // The strips of the whole layer given (`strips`): one pass, quarter blocks of one run, runs in three pieces,
        // row slabs of 6.
        let sharedStrips = [gemm(0, shared: true), gemm(4, blockFloats: 1, shared: true), gemm(4, blockFloats: slice / 3, shared: true),
                            gemm(4, blockFloats: slice - 1, blockRows: 5, shared: true)]
        // Leftover rows reading the panel instead of the strips (`windowStripLeftovers` off): one pass, runs in pieces with
        // the call's own strips and with the layer's.
        AVX2Kernels.windowStripLeftovers = false
        let panelLeftovers = [gemm(0), gemm(4, blockFloats: slice / 3), gemm(4, blockFloats: slice / 3, shared: true)]
        AVX2Kernels.windowStripLeftovers = true
        // Strips copied quarter by quarter instead of in order (`windowStripsInOrder`): one pass, runs in pieces.
        AVX2Kernels.windowStripsInOrder.toggle()
        let otherCopy = [gemm(0), gemm(4, blockFloats: slice / 3)]
        AVX2Kernels.windowStripsInOrder.toggle()
        // The blocks' epilogues as a call per row instead of inlined (`windowInlineEnds` off): one pass, pieces, wide
        // and narrow leftovers.
        AVX2Kernels.windowInlineEnds = false
        var calledEnds = [gemm(0), gemm(4, blockFloats: slice / 3)]
        AVX2Kernels.windowWideLeftovers = false
        calledEnds.append(gemm(0))
        AVX2Kernels.windowWideLeftovers = wide
        AVX2Kernels.windowInlineEnds = true
        // Weights packed as strips (`packedInStrips`): one pass, quarter blocks of one run, runs in three pieces, row slabs
        // of 6; then with the switches that would read a panel off (the strips are read all the same).
        var atLoad = [gemm(0, atLoad: true), gemm(4, blockFloats: 1, atLoad: true), gemm(4, blockFloats: slice / 3, atLoad: true),
                      gemm(4, blockFloats: slice - 1, blockRows: 5, atLoad: true)]
        (AVX2Kernels.windowStrips, AVX2Kernels.windowStripLeftovers) = (false, false)
        atLoad += [gemm(0, atLoad: true), gemm(4, blockFloats: slice / 3, atLoad: true)]
        (AVX2Kernels.windowStrips, AVX2Kernels.windowStripLeftovers) = (stripsOn, true)
        AVX2Kernels.windowRunPieces = pieces
        return Result(windows: gemm(0), passes: gemm(3), quarterBlocks: blocks, runPieces: cut, rowSlabs: slabbed, narrowLeftovers: narrow,
                      inPlace: inPlace + sharedStrips + panelLeftovers + otherCopy + calledEnds + atLoad, im2col: gemm(1),
                      avx512: VectorISA.avx512 ? gemm(2) : nil, want: want)
    }

    func testAgainstTheFloat64ReferenceAndThePanelKernel() throws {
        try XCTSkipUnless(VectorISA.avx2Kernels, "this CPU lacks AVX2 + FMA: the AVX2 kernels never run")
        for t in Self.cases {
            let r = run(t)
            for (name, got) in [("one pass", r.windows), ("a pass per window row", r.passes)] {
                var worst = 0.0
                for i in got.indices {
                    XCTAssertFalse(got[i].isNaN, "\(t), \(name): NaN at \(i)")
                    worst = max(worst, abs(Double(got[i]) - r.want[i]) / max(1, abs(r.want[i])))
                }
                XCTAssertLessThan(worst, 1e-5, "\(t), \(name): float64 reference")
            }
            XCTAssertEqual(r.windows, r.im2col, "\(t): the panel kernel on im2col rows")
            for (i, blocked) in r.quarterBlocks.enumerated() {
                XCTAssertEqual(blocked, r.windows, "\(t): quarter blocks \(i) against one pass, bit for bit")
            }
            for (i, cut) in r.runPieces.enumerated() {
                XCTAssertEqual(cut, r.windows, "\(t): runs in pieces \(i) against one pass, bit for bit")
            }
            for (i, slabbed) in r.rowSlabs.enumerated() {
                XCTAssertEqual(slabbed, r.windows, "\(t): quarter blocks over row slabs \(i) against one pass, bit for bit")
            }
            XCTAssertEqual(r.narrowLeftovers, r.windows, "\(t): leftover rows by quarters against one window × 64 columns")
            for (i, inPlace) in r.inPlace.enumerated() {
                XCTAssertEqual(inPlace, r.windows, "\(t): weights in place (0–2), in the layer's strips (3–6), leftover rows from the panel (7–9), the other strip copy (10–11), epilogues called (12–14), packed as strips (15–20): \(i), bit for bit")
            }
            if let wide = r.avx512 { XCTAssertEqual(r.windows, wide, "\(t): the AVX-512 build") }
        }
    }
}
