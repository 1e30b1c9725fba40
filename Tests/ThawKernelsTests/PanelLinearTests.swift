import XCTest
@testable import ThawKernels

/// `PanelLinear` (weights packed at load for the AVX-512 panel kernel) against `Linear.forward` (OpenBLAS,
/// itself checked against the PyTorch goldens in `LinearTests`): plain, with the residual accumulated in place,
/// with GELU in the tiles; a NaN input reaches exactly its row. On CPUs without AVX-512 `packing` declines and
/// the models keep `Linear.forward` (the baseline path): asserted instead.
final class PanelLinearTests: XCTestCase {
    override func tearDown() { PanelLinear.packsAtLoad = true }

    private func layer(_ inF: Int, _ outF: Int, seed: UInt64) -> LinearParameters {
        LinearParameters(weight: FiniteDifference.random(outF * inF, seed: seed, scale: 0.1),
                         bias: FiniteDifference.random(outF, seed: seed + 1), inFeatures: inF, outFeatures: outF)
    }

    /// The reference: `Linear.forward` (+ GELU pass), on `y0` (the residual when accumulating).
    private func reference(_ p: LinearParameters, _ x: [Float], rows: Int, y0: [Float], accumulate: Bool, gelu: Bool) -> [Float] {
        var y = y0
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in
            Linear.forward(p, x: xb.baseAddress!, rows: rows, y: yb.baseAddress!, accumulate: accumulate)
            if gelu { GELU.forward(x: yb.baseAddress!, count: yb.count, y: yb.baseAddress!) }
        } }
        return y
    }

    private func panels(_ p: PanelLinear, _ x: [Float], rows: Int, y0: [Float], accumulate: Bool, gelu: Bool) -> [Float] {
        var y = y0
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in
            p.forward(x: xb.baseAddress!, rows: rows, y: yb.baseAddress!, accumulate: accumulate, activation: gelu ? .gelu : .identity)
        } }
        return y
    }

    func testPackingDeclinesWithoutPackedKernelsOrOddWidths() {
        let p = layer(16, 64, seed: 1)
        XCTAssertEqual(PanelLinear.packing(p) != nil, VectorISA.packedKernels, "packs exactly on AVX-512 and AVX2+FMA CPUs")
        XCTAssertNil(PanelLinear.packing(layer(16, 65, seed: 2)), "65 outputs are not whole panels")
        PanelLinear.packsAtLoad = false
        XCTAssertNil(PanelLinear.packing(p), "the switch keeps OpenBLAS")
    }

    /// ViT-S/14's four layers at 257 tokens and small odd row counts (blocks of 6, 4 and 1 rows).
    func testMatchesLinearForward() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA (testPackingDeclines… covers the baseline)")
        for (i, (inF, outF)) in [(384, 1152), (384, 384), (384, 1536), (1536, 384), (7, 128)].enumerated() {
            let p = layer(inF, outF, seed: UInt64(10 * i + 3)), packed = try XCTUnwrap(PanelLinear.packing(p))
            for rows in [257, 11, 1] {
                let x = FiniteDifference.random(rows * inF, seed: UInt64(rows + i))
                let y0 = FiniteDifference.random(rows * outF, seed: UInt64(rows + 50 + i))
                for (accumulate, gelu) in [(false, false), (true, false), (false, true)] {
                    let label = "\(inF)→\(outF), \(rows) rows, accumulate \(accumulate), gelu \(gelu)"
                    ConvGolden.assertClose(panels(packed, x, rows: rows, y0: y0, accumulate: accumulate, gelu: gelu),
                                           reference(p, x, rows: rows, y0: y0, accumulate: accumulate, gelu: gelu),
                                           tolerance: 1e-4, label)
                }
            }
        }
    }

    /// On a CPU running the AVX2 kernels the layers are packed as strips (`PanelStrips`): the floats of [K][64]
    /// panels exactly, K passes (`kBlock`), leftover rows, residual and GELU included.
    func testStripsGiveThePanelsFloats() throws {
        try XCTSkipUnless(PanelStrips.packs, "weights take the strip layout only where the AVX2 kernels run without AVX-512")
        defer { PanelStrips.atLoad = true }
        for (i, (inF, outF)) in [(384, 128), (1536, 64), (7, 128)].enumerated() {
            let p = layer(inF, outF, seed: UInt64(10 * i + 5))
            let strips = try XCTUnwrap(PanelLinear.packing(p))
            PanelStrips.atLoad = false
            let inPanels = try XCTUnwrap(PanelLinear.packing(p))
            PanelStrips.atLoad = true
            XCTAssertTrue(strips.inStrips)
            XCTAssertFalse(inPanels.inStrips)
            for rows in [97, 11, 1] {
                let x = FiniteDifference.random(rows * inF, seed: UInt64(rows + i))
                let y0 = FiniteDifference.random(rows * outF, seed: UInt64(rows + 70 + i))
                for (accumulate, gelu) in [(false, false), (true, false), (false, true)] {
                    XCTAssertEqual(panels(strips, x, rows: rows, y0: y0, accumulate: accumulate, gelu: gelu),
                                   panels(inPanels, x, rows: rows, y0: y0, accumulate: accumulate, gelu: gelu),
                                   "\(inF)→\(outF), \(rows) rows, accumulate \(accumulate), gelu \(gelu)")
                }
            }
        }
    }

    /// GELU inside the AVX2 panel GEMM (`geluInGEMM`, per block of rows as its sums are stored) gives the bits of GELU
    /// over the finished tile: blocks of 6, 4 and single rows, K in passes (1536 > `kBlock`), several column tiles.
    func testGELUInsideTheGEMMGivesTheTilesBits() throws {
        try XCTSkipUnless(PanelStrips.packs, "GELU runs inside the GEMM only on weights in strips (the AVX2 kernels)")
        let saved = PanelLinear.geluInGEMM
        defer { PanelLinear.geluInGEMM = saved }
        for (i, (inF, outF)) in [(384, 1536), (1536, 64), (7, 128)].enumerated() {
            let packed = try XCTUnwrap(PanelLinear.packing(layer(inF, outF, seed: UInt64(10 * i + 7))))
            XCTAssertTrue(packed.inStrips)
            for rows in [97, 11, 1] {
                let x = FiniteDifference.random(rows * inF, seed: UInt64(rows + 3 * i), scale: 3)
                let y0 = [Float](repeating: 0, count: rows * outF)
                PanelLinear.geluInGEMM = true
                let inside = panels(packed, x, rows: rows, y0: y0, accumulate: false, gelu: true)
                PanelLinear.geluInGEMM = false
                let after = panels(packed, x, rows: rows, y0: y0, accumulate: false, gelu: true)
                XCTAssertEqual(inside.map(\.bitPattern), after.map(\.bitPattern), "\(inF)→\(outF), \(rows) rows")
            }
        }
    }

    func testNaNReachesExactlyItsRow() throws {
        try XCTSkipUnless(VectorISA.packedKernels, "the panel kernel needs AVX-512 or AVX2+FMA (testPackingDeclines… covers the baseline)")
        let (inF, outF, rows) = (384, 384, 13)
        let packed = try XCTUnwrap(PanelLinear.packing(layer(inF, outF, seed: 7)))
        var x = FiniteDifference.random(rows * inF, seed: 8)
        x[6 * inF + 5] = .nan                                                     // row 6 only
        for gelu in [false, true] {
            let y = panels(packed, x, rows: rows, y0: [Float](repeating: 0, count: rows * outF), accumulate: false, gelu: gelu)
            XCTAssertEqual(y.indices.filter { y[$0].isNaN }, Array(6 * outF..<7 * outF), "gelu \(gelu): NaN in row 6 only")
        }
    }
}
