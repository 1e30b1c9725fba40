import XCTest
import ThawCore

/// fp16/bf16 against numpy / PyTorch (scripts/golden/half_floats.py).
final class HalfFloatTests: XCTestCase {
    private func array<T>(_ data: Data, _: T.Type) -> [T] {
        data.withUnsafeBytes { raw in (0..<raw.count / MemoryLayout<T>.size).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) } }
    }

    func testEncodeMatchesNumpyAndTorch() throws {
        let x = array(try fixture("half_inputs_f32.bin"), Float.self)
        let f16 = array(try fixture("half_expected_f16.bin"), UInt16.self)
        let bf16 = array(try fixture("half_expected_bf16.bin"), UInt16.self)
        var wrong: [String] = []
        for i in x.indices {
            let h = HalfFloat.f16Bits(x[i]), b = HalfFloat.bf16Bits(x[i])
            if x[i].isNaN {
                // NaN payload bits differ between libraries; NaN must stay NaN.
                if !HalfFloat.f16Value(h).isNaN || !HalfFloat.bf16Value(b).isNaN { wrong.append("NaN \(x[i].bitPattern) lost") }
                continue
            }
            if h != f16[i] { wrong.append("f16(\(x[i]) bits \(String(x[i].bitPattern, radix: 16))): got \(String(h, radix: 16)), numpy \(String(f16[i], radix: 16))") }
            if b != bf16[i] { wrong.append("bf16(\(x[i])): got \(String(b, radix: 16)), torch \(String(bf16[i], radix: 16))") }
        }
        XCTAssertTrue(wrong.isEmpty, "\(wrong.count) of \(x.count) differ; first: \(wrong.prefix(5))")
    }

    func testDecodeEveryF16BitPattern() throws {
        let expected = array(try fixture("f16_decode_all_f32.bin"), Float.self)
        XCTAssertEqual(expected.count, 65536)
        var bad = 0, first = ""
        for h in 0..<65536 {
            let got = HalfFloat.f16Value(UInt16(h))
            let same = got.isNaN ? expected[h].isNaN : got.bitPattern == expected[h].bitPattern
            if !same { bad += 1; if first.isEmpty { first = "bits \(String(h, radix: 16)): got \(got), numpy \(expected[h])" } }
        }
        XCTAssertEqual(bad, 0, "worst: \(first)")
    }

    func testEdgeCasesByName() {
        XCTAssertEqual(HalfFloat.f16Bits(65520), 0x7C00, "the tie above 65504 rounds to inf")
        XCTAssertEqual(HalfFloat.f16Bits(0x1p-25), 0, "half the smallest subnormal ties to 0")
        XCTAssertEqual(HalfFloat.f16Bits(3 * 0x1p-25), 2, "1.5 × smallest subnormal ties to even (2)")
        XCTAssertEqual(HalfFloat.f16Bits(3 * 0x1p-26), 1, "0.75 × smallest subnormal rounds up to it")
        XCTAssertEqual(HalfFloat.f16Bits(1 + 0x1p-11), 0x3C00, "tie rounds to even")
        XCTAssertEqual(HalfFloat.bf16Bits(1 + 0x1p-8), 0x3F80, "bf16 tie rounds to even")
        XCTAssertEqual(HalfFloat.bf16Bits(1 + 3 * 0x1p-8), 0x3F82, "bf16 tie rounds to even (up)")
        XCTAssertEqual(HalfFloat.f16Value(0x0001), 0x1p-24)
        XCTAssertTrue(HalfFloat.bf16Value(HalfFloat.bf16Bits(.nan)).isNaN)
    }
}
