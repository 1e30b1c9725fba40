import XCTest
import ThawCore

final class HalfFloatWideningTests: XCTestCase {
    /// Every one of the 65,536 half bit patterns (subnormals, ±inf, NaN) against Swift's Float16.
    func testEveryHalfPatternWidensExactly() {
        for bits in 0...UInt16.max {
            let got = HalfFloat.f16Value(bits)
            let want = Float(Float16(bitPattern: bits))
            if want.isNaN {
                XCTAssertTrue(got.isNaN, "0x\(String(bits, radix: 16))")
            } else {
                XCTAssertEqual(got.bitPattern, want.bitPattern, "0x\(String(bits, radix: 16)): \(got) vs \(want)")
            }
        }
    }

    func testBFloat16IsTheTopHalfOfAFloat() {
        XCTAssertEqual(HalfFloat.bf16Value(0x3F80), 1)
        XCTAssertEqual(HalfFloat.bf16Value(0xC0A0), -5)
        XCTAssertEqual(HalfFloat.bf16Value(0x0001), Float(bitPattern: 0x0001_0000))
        XCTAssertEqual(HalfFloat.bf16Value(0x7F80), .infinity)
    }
}
