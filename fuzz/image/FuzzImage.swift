// libFuzzer harness (not in CI): arbitrary bytes decoded to RGB by ImageDecoder (libjpeg-turbo, libpng).
// Byte 0: bits 0–1 pick the format (0 JPEG: the JPEG magic is put in front when missing, 1 PNG: the PNG
// signature likewise, 2–3 as is, sniffed); bit 2 turns Exif orientation off. The rest is the file.
// The decoder's pixel limit is lowered to 4 M pixels so a declared size cannot make an input slow.
// Build and run: see fuzz/README.md.
// Compiled as a harness only with -D THAW_FUZZ (fuzz/README.md); a plain `swift build` makes a stub.
#if THAW_FUZZ
import Foundation
import ThawInputs

let maxPixels = 4_000_000
let jpegMagic: [UInt8] = [0xFF, 0xD8, 0xFF]
let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let mode = data[0]
    var file = Data(bytes: data + 1, count: size - 1)
    let magic: [UInt8]? = mode & 3 == 0 ? jpegMagic : mode & 3 == 1 ? pngMagic : nil
    if let magic, !file.starts(with: magic) { file.insert(contentsOf: magic, at: 0) }
    let decoder = ImageDecoder(maxPixels: maxPixels, applyExifOrientation: mode & 4 == 0)
    if let image = try? decoder.decode(file, file: "fuzz-input") {
        precondition(image.width > 0 && image.height > 0, "decoded an empty image")
        precondition(image.width * image.height <= maxPixels, "decoded past the pixel limit")
        precondition(image.pixels.count == image.width * image.height * 3, "pixel buffer disagrees with the size")
    }
    return 0
}

// SwiftPM links executables with `main` aliased to `<product>_main`; libFuzzer's driver runs from there.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzer(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("thaw_fuzz_image_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc, argv = argv
    return runFuzzer(&argc, &argv, fuzzImage)
}
#else
@main enum Stub {
    static func main() { print("thaw-fuzz-image is a libFuzzer harness: build it as fuzz/README.md says (-sanitize=fuzzer,address -D THAW_FUZZ).") }
}
#endif
