import XCTest
@testable import ThawKernels

final class PointwiseTests: XCTestCase {
    func testReLU6MatchesPyTorch() throws {
        for c in try ConvGolden.cases(kind: "relu6") {
            var x = try c.array("x")
            x.withUnsafeMutableBufferPointer { Activation.relu6.apply($0.baseAddress!, count: $0.count) }
            ConvGolden.assertClose(x, try c.array("y"), c.name)
        }
    }

    func testResidualAddWithReLUMatchesPyTorch() throws {
        for c in try ConvGolden.cases(kind: "residual_relu") {
            let skip = try c.array("skip")
            var x = try c.array("x")
            skip.withUnsafeBufferPointer { s in
                x.withUnsafeMutableBufferPointer { residualAdd(s.baseAddress!, into: $0.baseAddress!, count: $0.count, activation: .relu) }
            }
            ConvGolden.assertClose(x, try c.array("y"), c.name)
        }
    }

    func testLargeBuffersSplitAcrossCores() {
        var y = (0..<300_001).map { Float($0 % 17) - 8 }
        y.withUnsafeMutableBufferPointer { Activation.relu.apply($0.baseAddress!, count: $0.count) }
        for i in y.indices { XCTAssertEqual(y[i], max(Float(i % 17) - 8, 0)) }
    }
}
