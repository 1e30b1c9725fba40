import XCTest
@testable import ThawKernels

/// `PanelLinear.grid`: small outputs (ViT-S/14's 257 token rows) cut into equal tiles whose count the cores divide,
/// large ones (MiniLM's 4,096 rows) left to `ConvTiles.grid`; and the grid never changes a float (every output
/// element runs the same sums whatever its tile), with the residual accumulated and with GELU in the tiles.
final class PanelLinearGridTests: XCTestCase {
    override func tearDown() { PanelLinear.equalTiles = true; PanelLinear.coreMultipleTiles = false }

    private func panelCounts(_ g: ConvTiles.Grid) -> [Int] { (0..<g.count).map { g.columns($0).count / 64 } }

    func testViTShapesGetEqualTilesOnTwoCores() {
        // qkv: 18 panels; ConvTiles cuts 2, 2, 2, 3, 2, 2, 2, 3 — here 2 row tiles × 6 column tiles of 3 panels.
        let qkv = PanelLinear.grid(m: 257, n: 1152, cores: 2)
        XCTAssertEqual([qkv.rowTiles, qkv.columnTiles], [2, 6])
        XCTAssertEqual(Set(panelCounts(qkv)), [3])
        XCTAssertEqual(panelCounts(ConvTiles.grid(m: 257, n: 1152, cores: 2, align: 64)), [2, 2, 2, 3, 2, 2, 2, 3], "the unequal cut replaced")
        // proj and fc2: 6 panels → 4 row tiles (64, 64, 64, 65 rows) × 2 column tiles of 3 panels.
        let proj = PanelLinear.grid(m: 257, n: 384, cores: 2)
        XCTAssertEqual([proj.rowTiles, proj.columnTiles], [4, 2])
        XCTAssertEqual(Set(panelCounts(proj)), [3])
        XCTAssertEqual((0..<proj.count).map { proj.rows($0).count }, [64, 64, 64, 64, 64, 64, 65, 65])
        // fc1: 24 panels → 8 column tiles of 3 (as ConvTiles already cut it).
        let fc1 = PanelLinear.grid(m: 257, n: 1536, cores: 2)
        XCTAssertEqual([fc1.rowTiles, fc1.columnTiles], [1, 8])
        for g in [qkv, proj, fc1] { XCTAssertEqual(g.count % 2, 0, "the two cores divide the tiles") }
        // Large outputs whose tile count the cores divide, and one core, keep ConvTiles' grid.
        XCTAssertEqual(PanelLinear.grid(m: 4096, n: 1536, cores: 2), ConvTiles.grid(m: 4096, n: 1536, cores: 2, align: 64))
        XCTAssertEqual(PanelLinear.grid(m: 257, n: 1152, cores: 1), ConvTiles.grid(m: 257, n: 1152, cores: 1, align: 64))
        PanelLinear.equalTiles = false
        XCTAssertEqual(PanelLinear.grid(m: 257, n: 1152, cores: 2), ConvTiles.grid(m: 257, n: 1152, cores: 2, align: 64), "switched off")
    }

    func testLargeOutputsTakeTileCountsTheCoresDivide() {
        // MiniLM b32's qkv: ConvTiles cuts 4,096 × 1,152 into 7 × 3 = 21 tiles (one core would run the last alone).
        XCTAssertEqual(ConvTiles.grid(m: 4096, n: 1152, cores: 2, align: 64).count, 21)
        PanelLinear.coreMultipleTiles = true
        let qkv = PanelLinear.grid(m: 4096, n: 1152, cores: 2)
        XCTAssertEqual([qkv.rowTiles, qkv.columnTiles], [8, 3])
        XCTAssertEqual(PanelLinear.grid(m: 4096, n: 1152, cores: 3).count % 3, 0)
        XCTAssertEqual(PanelLinear.grid(m: 4096, n: 1536, cores: 2).count, 24, "already a multiple: unchanged")
        PanelLinear.coreMultipleTiles = false
        XCTAssertEqual(PanelLinear.grid(m: 4096, n: 1152, cores: 2), ConvTiles.grid(m: 4096, n: 1152, cores: 2, align: 64), "switched off")
    }

    func testCoreMultipleTilesNeverChangeAFloat() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA")
        // 1,500 × 1,152: ConvTiles' 3 × 3 tiles against 4 × 3.
        let (rows, inF, outF) = (1500, 64, 1152)
        XCTAssertEqual(ConvTiles.grid(m: rows, n: outF, cores: ParallelRows.cores, align: 64).count % 2, ParallelRows.cores == 2 ? 1 : 0)
        let p = LinearParameters(weight: FiniteDifference.random(outF * inF, seed: 25, scale: 0.1),
                                 bias: FiniteDifference.random(outF, seed: 26), inFeatures: inF, outFeatures: outF)
        let packed = try XCTUnwrap(PanelLinear.packing(p))
        let x = FiniteDifference.random(rows * inF, seed: 27), y0 = FiniteDifference.random(rows * outF, seed: 28)
        var outs: [[Float]] = []
        for on in [true, false] {
            PanelLinear.coreMultipleTiles = on
            var y = y0
            x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer {
                packed.forward(x: xb.baseAddress!, rows: rows, y: $0.baseAddress!, accumulate: true)
            } }
            outs.append(y)
        }
        XCTAssertTrue(zip(outs[0], outs[1]).allSatisfy { $0.bitPattern == $1.bitPattern }, "the same floats on either grid")
    }

    func testTheGridNeverChangesAFloat() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA")
        for (inF, outF) in [(384, 1152), (1536, 384)] {
            let p = LinearParameters(weight: FiniteDifference.random(outF * inF, seed: 5, scale: 0.1),
                                     bias: FiniteDifference.random(outF, seed: 6), inFeatures: inF, outFeatures: outF)
            let packed = try XCTUnwrap(PanelLinear.packing(p))
            let rows = 257
            let x = FiniteDifference.random(rows * inF, seed: 7), y0 = FiniteDifference.random(rows * outF, seed: 8)
            for (accumulate, activation) in [(false, PanelLinear.Activation.identity), (true, .identity), (false, .gelu)] {
                var outs: [[Float]] = []
                for equal in [true, false] {
                    PanelLinear.equalTiles = equal
                    var y = y0
                    x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer {
                        packed.forward(x: xb.baseAddress!, rows: rows, y: $0.baseAddress!, accumulate: accumulate, activation: activation)
                    } }
                    outs.append(y)
                }
                XCTAssertTrue(zip(outs[0], outs[1]).allSatisfy { $0.bitPattern == $1.bitPattern },
                              "\(inF)→\(outF), accumulate \(accumulate), \(activation): equal tiles give ConvTiles' floats")
            }
        }
    }
}

/// `PanelLinear.forward(…prologue:)`: a LayerNorm by row chunks as the first phase of the GEMM's dispatch gives the
/// floats of `LayerNorm.forward` followed by the GEMM, fused or as a dispatch of its own, with GELU in the tiles.
final class PanelLinearPrologueTests: XCTestCase {
    override func tearDown() { PanelLinear.fusesPrologue = true }

    func testLayerNormPrologueGivesTheSeparateFloats() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA")
        let (rows, c, out) = (257, 384, 1152)
        let p = LinearParameters(weight: FiniteDifference.random(out * c, seed: 11, scale: 0.1),
                                 bias: FiniteDifference.random(out, seed: 12), inFeatures: c, outFeatures: out)
        let packed = try XCTUnwrap(PanelLinear.packing(p))
        let h = FiniteDifference.random(rows * c, seed: 13, scale: 3)
        let gamma = FiniteDifference.random(c, seed: 14).map { 1 + $0 }, beta = FiniteDifference.random(c, seed: 15)
        // Reference: the LayerNorm of all rows, then the GEMM with GELU.
        var normed = [Float](repeating: 0, count: rows * c), want = [Float](repeating: 0, count: rows * out)
        h.withUnsafeBufferPointer { hb in normed.withUnsafeMutableBufferPointer { nb in want.withUnsafeMutableBufferPointer { yb in
            LayerNorm.forward(x: hb.baseAddress!, rows: rows, channels: c, gamma: gamma, beta: beta, eps: 1e-6, y: nb.baseAddress!)
            packed.forward(x: nb.baseAddress!, rows: rows, y: yb.baseAddress!, activation: .gelu)
        } } }
        for fused in [true, false] {
            PanelLinear.fusesPrologue = fused
            var n = [Float](repeating: .nan, count: rows * c), got = [Float](repeating: 0, count: rows * out)
            h.withUnsafeBufferPointer { hb in n.withUnsafeMutableBufferPointer { nb in got.withUnsafeMutableBufferPointer { yb in
                let x = hb.baseAddress!, y = nb.baseAddress!
                packed.forward(x: nb.baseAddress!, rows: rows, y: yb.baseAddress!, activation: .gelu, prologueUnits: 9) { u in
                    LayerNorm.forwardRows((u * 32)..<min(rows, u * 32 + 32), x: x, channels: c, gamma: gamma, beta: beta, eps: 1e-6, y: y)
                }
            } } }
            XCTAssertTrue(zip(n, normed).allSatisfy { $0.bitPattern == $1.bitPattern }, "fused \(fused): the prologue's LayerNorm")
            XCTAssertTrue(zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern }, "fused \(fused): the GEMM after it")
        }
    }
}

/// `PanelLinear.forward(…rowEpilogue:)`: a LayerNorm in place on the finished rows — on each tile's rows when the tiles
/// span every column (MiniLM b32's proj and ffn-down, 4,096 × 384), else in a pass after the tiles — gives the floats
/// of the GEMM followed by `LayerNorm.forward`, and runs once on every row.
final class PanelLinearRowEpilogueTests: XCTestCase {
    override func tearDown() { PanelLinear.rowEpilogueInTiles = false }

    func testLayerNormEpilogueGivesTheSeparateFloats() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA")
        // 4,096 rows: 8 row tiles of all 384 columns (in the tiles); 257 rows: 4 × 2 tiles (the pass after them).
        for (rows, inF, outF) in [(4096, 32, 384), (257, 96, 384), (130, 64, 128)] {
            let c = outF
            let p = LinearParameters(weight: FiniteDifference.random(outF * inF, seed: 31, scale: 0.1),
                                     bias: FiniteDifference.random(outF, seed: 32), inFeatures: inF, outFeatures: outF)
            let packed = try XCTUnwrap(PanelLinear.packing(p))
            let x = FiniteDifference.random(rows * inF, seed: 33), h0 = FiniteDifference.random(rows * outF, seed: 34, scale: 3)
            let norm = LayerNormRowProbe(rows: rows, channels: c, seed: 35)      // γ, β of the reference
            // Reference: h += x·Wᵀ + b over all rows, then the LayerNorm of h in place.
            var want = h0
            x.withUnsafeBufferPointer { xb in want.withUnsafeMutableBufferPointer { hb in
                packed.forward(x: xb.baseAddress!, rows: rows, y: hb.baseAddress!, accumulate: true)
                LayerNorm.forward(x: hb.baseAddress!, rows: rows, channels: c, gamma: norm.gamma, beta: norm.beta, eps: 1e-12,
                                  y: hb.baseAddress!)
            } }
            let inTiles = PanelLinear.grid(m: rows, n: outF, cores: ParallelRows.cores).columnTiles == 1
            for on in [true, false] {
                PanelLinear.rowEpilogueInTiles = on
                let probe = LayerNormRowProbe(rows: rows, channels: c, seed: 35)
                var got = h0
                x.withUnsafeBufferPointer { xb in got.withUnsafeMutableBufferPointer { hb in
                    let h = hb.baseAddress!
                    packed.forward(x: xb.baseAddress!, rows: rows, y: h, accumulate: true, rowEpilogue: probe.epilogue(h))
                } }
                let label = "\(rows) × \(inF) → \(outF), in tiles \(on && inTiles)"
                XCTAssertEqual(Set(probe.runs), [1], "\(label): every row once")
                XCTAssertTrue(zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(label): the separate LayerNorm's floats")
            }
        }
    }
}
