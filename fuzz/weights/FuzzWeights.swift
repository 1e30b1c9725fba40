// libFuzzer harness (not in CI): arbitrary bytes through WeightFile.load, which picks the
// safetensors reader, the PyTorch zip reader or the legacy reader (restricted unpickler) by magic.
// Every tensor that loads is also converted to floats, so its shape and byte count must agree.
// Build and run: see fuzz/README.md.
// Compiled as a harness only with -D THAW_FUZZ (fuzz/README.md); a plain `swift build` makes a stub.
#if THAW_FUZZ
import Foundation
import ThawWeights

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWeights(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let file = try? WeightFile.load(bytes, path: "fuzz-input") else { return 0 }
    for t in file.tensors where t.elementCount <= 1 << 20 { _ = t.floats() }
    _ = file.parameterCount
    return 0
}

// SwiftPM links executables with `main` aliased to `<product>_main`; libFuzzer's driver runs from there.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzer(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("thaw_fuzz_weights_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc, argv = argv
    return runFuzzer(&argc, &argv, fuzzWeights)
}
#else
@main enum Stub {
    static func main() { print("thaw-fuzz-weights is a libFuzzer harness: build it as fuzz/README.md says (-sanitize=fuzzer,address -D THAW_FUZZ).") }
}
#endif
