import ThawCore
import XCTest

final class SplitMix64Tests: XCTestCase {
    func testKnownSequence() {
        var rng = SplitMix64(seed: 0)   // reference values of splitmix64 seeded with 0
        XCTAssertEqual(rng.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(rng.next(), 0x6E78_9E6A_A1B9_65F4)
    }
}
