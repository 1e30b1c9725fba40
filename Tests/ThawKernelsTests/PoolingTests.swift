import XCTest
@testable import ThawKernels

final class PoolingTests: XCTestCase {
    private func pool(_ c: ConvGolden.Case, _ body: (UnsafePointer<Float>, Int, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void) throws {
        let xs = c.xShape
        let x = try c.array("x")
        var y = [Float](repeating: .nan, count: c.shapes["y"]!.reduce(1, *))
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { body(xb.baseAddress!, xs[0], xs[1], xs[2], xs[3], $0.baseAddress!) }
        }
        ConvGolden.assertClose(y, try c.array("y"), c.name)
    }

    func testMaxPoolMatchesPyTorch() throws {
        for c in try ConvGolden.cases(kind: "maxpool") {
            try pool(c) { x, n, h, w, ch, y in
                Pooling.maxPool(x, batch: n, height: h, width: w, channels: ch, kernel: c.int("k"), stride: c.int("stride"),
                                padding: c.padding, into: y)
            }
        }
    }

    func testAvgPoolMatchesPyTorch() throws {
        for c in try ConvGolden.cases(kind: "avgpool") {
            try pool(c) { x, n, h, w, ch, y in
                Pooling.avgPool(x, batch: n, height: h, width: w, channels: ch, kernel: c.int("k"), stride: c.int("stride"),
                                padding: c.padding, countPadding: c.params["count_pad"] as! Bool, into: y)
            }
        }
    }

    func testGlobalAvgPoolMatchesPyTorch() throws {
        for c in try ConvGolden.cases(kind: "global_avgpool") {
            try pool(c) { x, n, h, w, ch, y in
                Pooling.globalAvgPool(x, batch: n, height: h, width: w, channels: ch, into: y)
            }
        }
    }
}
