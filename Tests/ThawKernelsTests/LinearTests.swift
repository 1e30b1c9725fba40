import ThawKernels
import XCTest

final class LinearTests: XCTestCase {
    func testMatchesTorchLinear() throws {
        let x = try TransformerGolden.load("linear_x"), w = try TransformerGolden.load("linear_w")
        let b = try TransformerGolden.load("linear_b"), want = try TransformerGolden.load("linear_y")
        let p = LinearParameters(weight: w.data, bias: b.data, inFeatures: w.shape[1], outFeatures: w.shape[0])
        var y = [Float](repeating: .nan, count: want.data.count)
        x.data.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { Linear.forward(p, x: xp.baseAddress!, rows: x.shape[0], y: $0.baseAddress!) }
        }
        TransformerGolden.assertClose(y, want.data, "linear")
    }
}
