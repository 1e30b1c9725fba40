import XCTest
@testable import ThawKernels

final class Padding2DTests: XCTestCase {
    func testSameMatchesTensorFlowFormula() {
        // pad_total = max((ceil(in/s) − 1)·s + (k − 1)·d + 1 − in, 0); the odd pixel goes after.
        let p = Padding2D.same.resolve(height: 224, width: 13, kernel: (3, 3), stride: (2, 2))
        XCTAssertEqual(p, ResolvedPadding(top: 0, bottom: 1, left: 1, right: 1))
        let q = Padding2D.same.resolve(height: 112, width: 11, kernel: (5, 5), stride: (2, 2))
        XCTAssertEqual(q, ResolvedPadding(top: 1, bottom: 2, left: 2, right: 2))
        let d = Padding2D.same.resolve(height: 10, width: 10, kernel: (3, 3), stride: (1, 1), dilation: (2, 2))
        XCTAssertEqual(d, ResolvedPadding(top: 2, bottom: 2, left: 2, right: 2))
        let none = Padding2D.same.resolve(height: 8, width: 8, kernel: (1, 1), stride: (2, 2))
        XCTAssertEqual(none, ResolvedPadding(top: 0, bottom: 0, left: 0, right: 0))
    }

    func testSameOutputIsCeilOfInputOverStride() {
        for size in [7, 13, 56, 57, 112, 113] {
            for (k, s) in [(3, 1), (3, 2), (5, 2), (5, 1)] {
                let g = WindowGeometry(inHeight: size, inWidth: size + 2, kernel: (k, k), stride: (s, s), padding: .same)
                XCTAssertEqual(g.outHeight, (size + s - 1) / s, "size \(size) k \(k) s \(s)")
                XCTAssertEqual(g.outWidth, (size + 2 + s - 1) / s)
            }
        }
    }
}
