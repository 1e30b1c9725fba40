// libFuzzer harness (not in CI): arbitrary bytes written to a file in /dev/shm (or the temporary
// folder) and opened with IDXFile, plain or gzip'd (FileBytes detects gzip by its magic).
// Build and run: see fuzz/README.md.
// Compiled as a harness only with -D THAW_FUZZ (fuzz/README.md); a plain `swift build` makes a stub.
#if THAW_FUZZ
import Foundation
import ThawInputs

let idxPath = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory())
    + "thaw-fuzz-idx-\(getpid())"

/// One open/write/close per input (Foundation's `Data.write` costs several times more per call).
func writeInput(_ bytes: UnsafePointer<UInt8>, _ count: Int, to path: String) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return count == 0 || write(fd, bytes, count) == count
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard writeInput(data, size, to: idxPath) else { return 0 }
    if let file = try? IDXFile(path: idxPath) {
        precondition(file.data.count == file.dims.reduce(1, *), "IDXFile accepted a payload that disagrees with its dims")
        _ = file.count
    }
    return 0
}

// SwiftPM links executables with `main` aliased to `<product>_main`; libFuzzer's driver runs from there.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzer(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("thaw_fuzz_idx_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc, argv = argv
    return runFuzzer(&argc, &argv, fuzzIDX)
}
#else
@main enum Stub {
    static func main() { print("thaw-fuzz-idx is a libFuzzer harness: build it as fuzz/README.md says (-sanitize=fuzzer,address -D THAW_FUZZ).") }
}
#endif
