import Foundation
import XCTest
@testable import ThawWeights

final class UnpicklerTests: XCTestCase {
    private func load(_ bytes: [UInt8]) throws -> PickleValue {
        var u = Unpickler(Data(bytes), file: "hand.pkl")
        return try u.load()
    }

    func testScalarsStringsAndContainers() throws {
        // {'a': [1, -2, 3.5, True, None], 'b': (b'xy', 'é')}
        let v = try load([0x80, 0x02, 0x7D, 0x28,
                          0x8C, 1, 0x61, 0x5D, 0x28, 0x4B, 1, 0x4A, 0xFE, 0xFF, 0xFF, 0xFF,
                          0x47, 0x40, 0x0C, 0, 0, 0, 0, 0, 0, 0x88, 0x4E, 0x65,
                          0x8C, 1, 0x62, 0x43, 2, 0x78, 0x79, 0x8C, 2, 0xC3, 0xA9, 0x86,
                          0x75, 0x2E])
        guard case .dict(let d) = v, d.entries.count == 2, case .list(let l) = d.entries[0].value else { return XCTFail("\(v)") }
        XCTAssertEqual(l.items.map(\.shortDescription), ["int 1", "int -2", "float 3.5", "True", "None"])
        guard case .tuple(let t, _) = d.entries[1].value else { return XCTFail() }
        XCTAssertEqual(t.map(\.shortDescription), ["bytes[2]", "str 'é'"])
    }

    func testLongSignExtension() throws {
        guard case .int(let v) = try load([0x80, 0x02, 0x8A, 0x02, 0x00, 0xFF, 0x2E]) else { return XCTFail() }
        XCTAssertEqual(v, -256)
    }

    func testMemoGetReturnsTheStoredValue() throws {
        // ('cpu', 'cpu') with the second taken from the memo.
        let v = try load([0x80, 0x02, 0x8C, 3, 0x63, 0x70, 0x75, 0x71, 0, 0x68, 0, 0x86, 0x2E])
        guard case .tuple(let t, _) = v else { return XCTFail("\(v)") }
        XCTAssertEqual(t.map(\.shortDescription), ["str 'cpu'", "str 'cpu'"])
    }

    func testMutationAfterNestingIsRefused() {
        // l = []; memo[0] = l; d = {'x': l}; then l.append(7) through the memo.
        assertWeightsError(["APPEND", "after nesting it"]) {
            _ = try self.load([0x80, 0x02, 0x7D, 0x8C, 1, 0x78, 0x5D, 0x71, 0, 0x73, 0x68, 0, 0x4B, 7, 0x61, 0x30, 0x2E])
        }
    }

    func testErrorsInsteadOfTraps() {
        let cases: [(String, [UInt8])] = [
            ("stack underflow", [0x80, 0x02, 0x61, 0x2E]),                    // APPEND on empty stack
            ("never stored", [0x80, 0x02, 0x68, 0x05, 0x2E]),                 // BINGET of unknown memo
            ("not allowed", [0x80, 0x02, 0x69, 0x2E]),                        // INST opcode
            ("protocol 9", [0x80, 0x09, 0x4E, 0x2E]),
            ("file ends", [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x41]),  // BINUNICODE longer than the file
            ("file ends", [0x80, 0x02, 0x4E]),                                // no STOP
            ("no MARK", [0x80, 0x02, 0x74, 0x2E]),                            // TUPLE without MARK
            ("call of", [0x80, 0x02, 0x4E, 0x29, 0x52, 0x2E]),                // REDUCE on None
            ("may only appear", [0x80, 0x02, 0x63] + Array("torch\nFloatStorage\n".utf8) + [0x29, 0x52, 0x2E]),
            ("'torch.load'", [0x80, 0x02, 0x63] + Array("torch\nload\n".utf8) + [0x2E]),
        ]
        for (fragment, bytes) in cases {
            assertWeightsError(["hand.pkl", fragment]) { _ = try self.load(bytes) }
        }
    }

    func testNestingIsBounded() {
        // 10,000 nested EMPTY_LIST + APPEND would overflow recursive consumers; refused at 200.
        var bytes: [UInt8] = [0x80, 0x02]
        for _ in 0..<10_000 { bytes.append(0x5D) }
        for _ in 0..<9_999 { bytes.append(0x61) }
        bytes.append(0x2E)
        assertWeightsError(["nested deeper"]) { _ = try self.load(bytes) }
    }

    func testMemoIsBounded() {
        // Two million MEMOIZE opcodes of one value.
        var bytes: [UInt8] = [0x80, 0x04, 0x4E]
        bytes += [UInt8](repeating: 0x94, count: 2_000_000)
        bytes.append(0x2E)
        assertWeightsError(["memo larger"]) { _ = try self.load(bytes) }
    }

    func testStackIsBounded() {
        var bytes: [UInt8] = [0x80, 0x02]
        bytes += [UInt8](repeating: 0x4E, count: 1_100_000)
        bytes.append(0x2E)
        assertWeightsError(["stack deeper"]) { _ = try self.load(bytes) }
    }
}

extension UnpicklerTests {
    /// Lists nested through the memo *after* creation (l[i].append(l[i+1]) for 100k lists) would
    /// build a chain whose release recurses 100k deep; mutating a nested list is refused instead.
    func testDeepChainThroughMemoIsRefused() {
        let n = 100_000
        var bytes: [UInt8] = [0x80, 0x02]
        func put(_ i: Int) { bytes.append(0x72); withUnsafeBytes(of: UInt32(i).littleEndian) { bytes += $0 } }
        func get(_ i: Int) { bytes.append(0x6A); withUnsafeBytes(of: UInt32(i).littleEndian) { bytes += $0 } }
        for i in 0..<n { bytes.append(0x5D); put(i); bytes.append(0x30) }
        for i in 0..<(n - 1) { get(i); get(i + 1); bytes.append(0x61); bytes.append(0x30) }
        get(0)
        bytes.append(0x2E)
        assertWeightsError(["after nesting it"]) { _ = try self.load(bytes) }
        // Filled bottom-up instead (legal order), the chain hits the nesting bound.
        bytes = [0x80, 0x02]
        for i in 0..<n { bytes.append(0x5D); put(i); bytes.append(0x30) }
        for i in stride(from: n - 2, through: 0, by: -1) { get(i); get(i + 1); bytes.append(0x61); bytes.append(0x30) }
        get(0)
        bytes.append(0x2E)
        assertWeightsError(["nested deeper than 200"]) { _ = try self.load(bytes) }
    }
}

extension UnpicklerTests {
    func testUnsupportedElementTypeNamed() {
        // ('storage', torch.ShortStorage, '0', 'cpu', 4) as a persistent id.
        let bytes: [UInt8] = [0x80, 0x02, 0x28, 0x8C, 7] + Array("storage".utf8) + [0x63] + Array("torch\nShortStorage\n".utf8)
            + [0x8C, 1, 0x30, 0x8C, 3] + Array("cpu".utf8) + [0x4B, 4, 0x74, 0x51, 0x2E]
        assertWeightsError(["'torch.ShortStorage' is not supported", "t.float()"]) { _ = try self.load(bytes) }
    }

    func testTorchStoragePersistentIdLoads() throws {
        let bytes: [UInt8] = [0x80, 0x02, 0x28, 0x8C, 7] + Array("storage".utf8) + [0x63] + Array("torch\nHalfStorage\n".utf8)
            + [0x8C, 1, 0x30, 0x8C, 3] + Array("cpu".utf8) + [0x4B, 4, 0x74, 0x51, 0x2E]
        guard case .storage(let s) = try load(bytes) else { return XCTFail() }
        XCTAssertEqual(s.key, "0")
        XCTAssertEqual(s.dtype, .f16)
        XCTAssertEqual(s.elementCount, 4)
    }
}

extension UnpicklerTests {
    /// t = (); 60 times: t = (t, t). 60 levels of sharing describe 2^60 leaves in 186 bytes:
    /// depth is cached and flattening has a budget, so this ends quickly with an error.
    func testSharedTuplesDoNotExplode() throws {
        var bytes: [UInt8] = [0x80, 0x02, 0x29]
        for _ in 0..<60 { bytes += [0x32, 0x86] }   // DUP, TUPLE2
        bytes.append(0x2E)
        let start = Date()
        let v = try load(bytes)
        XCTAssertEqual(v.depth, 61)
        assertWeightsError(["more than 1000000 entries"]) { _ = try TorchCheckpoint.flatten(v, file: "hand.pkl") }
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
    }
}
