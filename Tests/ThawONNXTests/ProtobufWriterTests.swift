@testable import ThawONNX
import XCTest

/// The wire format against protobuf's own documented encodings
/// (https://protobuf.dev/programming-guides/encoding/).
final class ProtobufWriterTests: XCTestCase {
    func testVarintsTagsAndNegativeInts() {
        var w = ProtobufWriter()
        w.int(1, 150)                       // the guide's example: 08 96 01
        XCTAssertEqual(w.bytes, [0x08, 0x96, 0x01])
        w = ProtobufWriter()
        w.int(2, -1)                        // int64 −1: ten bytes, all ones
        XCTAssertEqual(w.bytes, [0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
        w = ProtobufWriter()
        w.string(2, "testing")              // 12 07 74 65 73 74 69 6e 67
        XCTAssertEqual(w.bytes, [0x12, 0x07] + Array("testing".utf8))
        w = ProtobufWriter()
        w.packedInts(4, [3, 270, 86942])    // 22 06 03 8E 02 9E A7 05
        XCTAssertEqual(w.bytes, [0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05])
        w = ProtobufWriter()
        w.float(2, 1)                       // fixed32: 15 00 00 80 3F
        XCTAssertEqual(w.bytes, [0x15, 0x00, 0x00, 0x80, 0x3F])
        w = ProtobufWriter()
        w.message(3) { $0.int(1, 150) }     // 1a 03 08 96 01
        XCTAssertEqual(w.bytes, [0x1A, 0x03, 0x08, 0x96, 0x01])
    }

    func testValueInfoWithSymbolicBatch() {
        var w = ProtobufWriter()
        ONNXValueInfo(name: "x", elementType: .float, shape: [.symbolic("N"), .fixed(3)]).encode(&w)
        // name "x"; type { tensor_type { elem_type 1, shape { dim { dim_param "N" } dim { dim_value 3 } } } }
        XCTAssertEqual(w.bytes, [0x0A, 0x01, 0x78,
                                 0x12, 0x0F, 0x0A, 0x0D, 0x08, 0x01, 0x12, 0x09,
                                 0x0A, 0x03, 0x12, 0x01, 0x4E,
                                 0x0A, 0x02, 0x08, 0x03])
    }
}

final class ONNXWriteTests: XCTestCase {
    func testWriteReplacesAtomicallyAndLeavesNoPartialFile() throws {
        let dir = try SafetensorsFile.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.onnx").path
        try ONNXExport.write(Data([1, 2, 3]), to: path)
        try ONNXExport.write(Data([4, 5]), to: path)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data([4, 5]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["m.onnx"])
        XCTAssertThrowsError(try ONNXExport.write(Data([1]), to: dir.path + "/missing/m.onnx")) {
            XCTAssertTrue("\($0)".contains("Fix:"), "\($0)")
        }
    }
}
