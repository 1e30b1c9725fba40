import XCTest
@testable import ThawKernels

final class Conv2DTests: XCTestCase {
    private func run(_ c: ConvGolden.Case, budget: Int = 1 << 22) throws -> [Float] {
        let xs = c.xShape
        let shape = Conv2DShape(inChannels: c.int("cin"), outChannels: c.int("cout"), kernel: c.int("k"),
                                stride: c.int("stride"), dilation: c.int("dilation"), groups: c.int("groups"),
                                padding: c.padding)
        let conv = Conv2D(shape: shape, oihw: try c.array("weight"),
                          bias: c.shapes["bias"] == nil ? nil : try c.array("bias"), activation: c.activation)
        let y = conv.forward(Tensor(shape: xs, data: try c.array("x")), workspace: Workspace(im2colBudget: budget))
        XCTAssertEqual(y.shape, c.shapes["y"], c.name)
        return y.data
    }

    func testConvolutionsMatchPyTorch() throws {
        for c in try ConvGolden.cases(kind: "conv") {
            ConvGolden.assertClose(try run(c), try c.array("y"), c.name)
        }
    }

    /// A tiny budget forces chunks of the 128-row minimum: the cases with more output pixels
    /// (13×11 s1, the stem, the bigger one) run in 3–9 chunks, some straddling two images.
    func testChunkedLoweringMatches() throws {
        for c in try ConvGolden.cases(kind: "conv") where c.int("k") > 1 {
            let k = c.int("k") * c.int("k") * c.int("cin") / c.int("groups")
            ConvGolden.assertClose(try run(c, budget: 37 * k), try c.array("y"), "\(c.name) chunked")
        }
    }

    func testOutputShapeOfStem() {
        // ResNet stem: 224 → 112; EfficientNet stem (SAME, s2): 224 → 112, 13 → 7.
        let stem = Conv2DShape(inChannels: 3, outChannels: 64, kernel: 7, stride: 2, padding: .symmetric(3))
        XCTAssertEqual(stem.geometry(height: 224, width: 224).outHeight, 112)
        let same = Conv2DShape(inChannels: 3, outChannels: 32, kernel: 3, stride: 2, padding: .same)
        XCTAssertEqual(same.geometry(height: 13, width: 224).outHeight, 7)
        XCTAssertEqual(same.geometry(height: 13, width: 224).outWidth, 112)
        XCTAssertTrue(Conv2DShape(inChannels: 8, outChannels: 4, kernel: 1, padding: .same).isPointwise)
        XCTAssertFalse(Conv2DShape(inChannels: 8, outChannels: 4, kernel: 1, stride: 2).isPointwise)
    }
}
