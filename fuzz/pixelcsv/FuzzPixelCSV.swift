// libFuzzer harness (not in CI): arbitrary bytes as a pixel CSV file (label first or last, by the
// input's first byte), then every parsed image is loaded.
// Build and run: see fuzz/README.md.
// Compiled as a harness only with -D THAW_FUZZ (fuzz/README.md); a plain `swift build` makes a stub.
#if THAW_FUZZ
import Foundation
import ThawInputs

let csvPath = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory())
    + "thaw-fuzz-pixelcsv-\(getpid()).csv"
let decoder = ImageDecoder(maxPixels: 4_000_000)

/// One open/write/close per input (Foundation's `Data.write` costs several times more per call).
func writeInput(_ bytes: UnsafePointer<UInt8>, _ count: Int, to path: String) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return count == 0 || write(fd, bytes, count) == count
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPixelCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let column: PixelCSVSource.LabelColumn = data[0] & 1 == 0 ? .last : .first
    guard writeInput(data + 1, size - 1, to: csvPath) else { return 0 }
    guard let source = try? PixelCSVSource(path: csvPath, labelColumn: column) else { return 0 }
    for s in source.samples { _ = try? source.loadImage(s, decoder: decoder) }
    return 0
}

// SwiftPM links executables with `main` aliased to `<product>_main`; libFuzzer's driver runs from there.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzer(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("thaw_fuzz_pixelcsv_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc, argv = argv
    return runFuzzer(&argc, &argv, fuzzPixelCSV)
}
#else
@main enum Stub {
    static func main() { print("thaw-fuzz-pixelcsv is a libFuzzer harness: build it as fuzz/README.md says (-sanitize=fuzzer,address -D THAW_FUZZ).") }
}
#endif
