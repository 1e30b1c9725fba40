import Foundation
import XCTest
@testable import ThawWeights

/// Found by fuzz/weights: a list appended to itself (or a dict set into itself) made a reference
/// cycle, leaking it on every load and leaving a structure no flattening can finish.
final class UnpicklerCycleTests: XCTestCase {
    private func load(_ bytes: [UInt8]) throws -> PickleValue {
        var u = Unpickler(Data(bytes), file: "hand.pkl")
        return try u.load()
    }

    func testListAppendedToItselfIsRefused() {
        // l = []; l.append(l): EMPTY_LIST DUP APPEND STOP.
        assertWeightsError(["APPEND", "inside itself"]) { _ = try self.load([0x80, 0x02, 0x5D, 0x32, 0x61, 0x2E]) }
        // The same through APPENDS: EMPTY_LIST DUP MARK (memo 0 = l) ... simpler: l, MARK, l, APPENDS.
        assertWeightsError(["APPEND", "inside itself"]) {
            _ = try self.load([0x80, 0x02, 0x5D, 0x71, 0, 0x28, 0x68, 0, 0x65, 0x2E])
        }
    }

    func testDictSetIntoItselfIsRefused() {
        // d = {}; memo[0] = d; d[1] = d: EMPTY_DICT BINPUT 0 BININT1 1 BINGET 0 SETITEM STOP.
        assertWeightsError(["SETITEM", "inside itself"]) {
            _ = try self.load([0x80, 0x02, 0x7D, 0x71, 0, 0x4B, 1, 0x68, 0, 0x73, 0x2E])
        }
    }

    func testWholeFileLoadThrowsAnError() {
        XCTAssertThrowsError(try WeightFile.load(Data([0x80, 0x02, 0x5D, 0x32, 0x61, 0x2E]), path: "cycle.pt"))
    }
}
