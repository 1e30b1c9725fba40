import ThawKernels
import XCTest

/// The one-vector fully connected layer (`Linear.forwardVector`, AVX-512 matrix-vector rows on all cores) against
/// the PyTorch golden and against `Linear.forward` (sgemm); NaN-aware; the baseline build declines.
final class LinearVectorTests: XCTestCase {
    private func values(_ count: Int, _ seed: Int) -> [Float] { (0..<count).map { Float(($0 * 7919 + seed * 104_729) % 2003) / 1001 - 1 } }

    private func vector(_ p: LinearParameters, _ x: [Float]) -> [Float]? {
        var y = [Float](repeating: .nan, count: p.outFeatures)
        let ran = x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { Linear.forwardVector(p, x: xb.baseAddress!, y: $0.baseAddress!) }
        }
        return ran ? y : nil
    }

    func testMatchesTorchGoldenRowByRow() throws {
        let x = try TransformerGolden.load("linear_x"), w = try TransformerGolden.load("linear_w")
        let b = try TransformerGolden.load("linear_b"), want = try TransformerGolden.load("linear_y")
        let p = LinearParameters(weight: w.data, bias: b.data, inFeatures: w.shape[1], outFeatures: w.shape[0])
        guard VectorISA.avx512 else {                        // the baseline build declines: callers run Linear.forward
            return XCTAssertNil(vector(p, Array(x.data[0..<p.inFeatures])))
        }
        for r in 0..<x.shape[0] {
            let row = Array(x.data[r * p.inFeatures..<(r + 1) * p.inFeatures])
            let y = try XCTUnwrap(vector(p, row))
            TransformerGolden.assertClose(y, Array(want.data[r * p.outFeatures..<(r + 1) * p.outFeatures]), "linear row \(r)")
        }
    }

    /// The classifier shape (1,280 = 20 × 64 inputs), a tail of inputs past the last 64, few and many outputs;
    /// a NaN input makes every output NaN, as in sgemm.
    func testMatchesSGEMM() throws {
        XCTAssertEqual(vector(LinearParameters(weight: [1], bias: [0], inFeatures: 1, outFeatures: 1), [1]) != nil, VectorISA.avx512)
        guard VectorISA.avx512 else { return }
        for (k, n) in [(1280, 1000), (100, 7), (64, 130), (5, 3)] {
            let p = LinearParameters(weight: values(n * k, k), bias: values(n, n), inFeatures: k, outFeatures: n)
            var x = values(k, 1)
            var ref = [Float](repeating: .nan, count: n)
            do {
                ref.withUnsafeMutableBufferPointer { Linear.forward(p, x: x, rows: 1, y: $0.baseAddress!) }
            }
            let got = try XCTUnwrap(vector(p, x))
            assertCloseToScale(got, ref, tolerance: 1e-5, "fc \(k) → \(n)")
            x[k / 2] = .nan
            let nan = try XCTUnwrap(vector(p, x))
            XCTAssertTrue(nan.allSatisfy(\.isNaN), "fc \(k) → \(n): a NaN input reaches every output")
        }
    }
}
