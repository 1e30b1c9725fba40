import XCTest
@testable import ThawKernels

/// `PanelLinear.grid`: small outputs (ViT-S/14's 257 token rows) cut into equal tiles whose count the cores divide,
/// large ones (MiniLM's 4,096 rows) left to `ConvTiles.grid`; and the grid never changes a float (every output
/// element runs the same sums whatever its tile), with the residual accumulated and with GELU in the tiles.
final class PanelLinearGridTests: XCTestCase {
    override func tearDown() { PanelLinear.equalTiles = true }

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
        // Large outputs and one core keep ConvTiles' grid.
        XCTAssertEqual(PanelLinear.grid(m: 4096, n: 1152, cores: 2), ConvTiles.grid(m: 4096, n: 1152, cores: 2, align: 64))
        XCTAssertEqual(PanelLinear.grid(m: 257, n: 1152, cores: 1), ConvTiles.grid(m: 257, n: 1152, cores: 1, align: 64))
        PanelLinear.equalTiles = false
        XCTAssertEqual(PanelLinear.grid(m: 257, n: 1152, cores: 2), ConvTiles.grid(m: 257, n: 1152, cores: 2, align: 64), "switched off")
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
