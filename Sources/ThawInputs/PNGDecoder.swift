import CPNGShim
import Foundation
import ThawCore

/// PNG through libpng (errors caught in the C shim `thaw_png`, so corrupt files throw, never crash).
/// Grey → replicated, palette → RGB, 16-bit → high byte, alpha dropped (as PIL's `convert("RGB")`).
enum PNGDecoder {
    static func decode(_ data: Data, file: String, maxPixels: Int) throws -> RGBImage {
        var err = [CChar](repeating: 0, count: 256)
        var width: UInt32 = 0, height: UInt32 = 0
        var raw: UnsafeMutablePointer<UInt8>? = nil
        let rc = data.withUnsafeBytes { bytes in
            thaw_png_decode(bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count, UInt64(maxPixels),
                            &raw, &width, &height, &err, err.count)
        }
        guard rc == 0, let raw else {
            let message = String(cString: err)
            if message.hasPrefix("declared size") {
                throw FileError(file: file, problem: "PNG \(message) (decompression bomb?)",
                                fix: "if the image is genuine, downscale it first (e.g. ImageMagick: convert IN -resize 8000x8000 OUT), or leave it out with thaw extract --on-error skip")
            }
            throw FileError(file: file, problem: "corrupt or truncated PNG (\(message))",
                            fix: "re-export the image or remove it from the data set")
        }
        defer { free(raw) }
        let count = Int(width) * Int(height) * 3
        return RGBImage(width: Int(width), height: Int(height),
                        pixels: Array(UnsafeBufferPointer(start: raw, count: count)))
    }
}
