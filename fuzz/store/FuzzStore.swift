// libFuzzer harness (not in CI) for the two parsers of stored cache bytes:
//   first byte even: the input is a manifest's JSON → Manifest.decode, then everything a reader
//                    derives from a manifest (record size, index range, record count);
//   first byte odd:  the input is a record value → Record.decode against a fixed two-tap manifest.
//                    Half of those get a correct CRC-32C written in, so mutations get past the checksum.
// Build and run: see fuzz/README.md.
// Compiled as a harness only with -D THAW_FUZZ (fuzz/README.md); a plain `swift build` makes a stub.
#if THAW_FUZZ
import Foundation
import ThawCore
import ThawStore

let manifest = Manifest(toolVersion: "fuzz", backbone: "fuzz", weightsSHA256: "", preprocessing: "",
                        taps: [TapSpec(name: "pool", dtype: .f16, shape: [3], layout: "C"),
                               TapSpec(name: "map", dtype: .f32, shape: [1, 2, 2], layout: "HWC")],
                        dataFingerprint: "", labelNames: ["a", "b"], splitNames: ["train", "val"], sampleCount: 4)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStore(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    var bytes = [UInt8](UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] & 1 == 0 {
        guard let m = try? Manifest.decode(bytes, path: "fuzz-input") else { return 0 }
        _ = Record.size(idLength: 65535, taps: m.taps)
        _ = m.indexRange
        _ = m.expectedRecordCount
        _ = m.differences(from: manifest)
        _ = m.encoded()
    } else {
        if data[0] & 2 == 0 && bytes.count >= 16 {
            // CRC-32C over bytes[8...], stored little-endian at 4 (the record layout).
            let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[8...])) }
            for k in 0..<4 { bytes[4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        }
        _ = bytes.withUnsafeBytes { try? Record.decode($0, key: CacheKey(index: 0), manifest: manifest, path: "fuzz-input") }
    }
    return 0
}

// SwiftPM links executables with `main` aliased to `<product>_main`; libFuzzer's driver runs from there.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzer(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("thaw_fuzz_store_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc, argv = argv
    return runFuzzer(&argc, &argv, fuzzStore)
}
#else
@main enum Stub {
    static func main() { print("thaw-fuzz-store is a libFuzzer harness: build it as fuzz/README.md says (-sanitize=fuzzer,address -D THAW_FUZZ).") }
}
#endif
