import CTurboJPEG
import Foundation
import ThawCore

/// JPEG through libjpeg-turbo's TurboJPEG API (accurate DCT, fancy upsampling: libjpeg's defaults, as PIL).
/// Warnings (e.g. a truncated file) are errors, as in PIL without LOAD_TRUNCATED_IMAGES.
enum JPEGDecoder {
    /// `lease`: takes the decoded size (from the header) before the pixels are allocated; given back here on failure.
    static func decode(_ data: Data, file: String, maxPixels: Int, applyExifOrientation: Bool,
                       lease: DecodeLease? = nil) throws -> RGBImage {
        guard let handle = tjInitDecompress() else {
            throw FileError(file: file, problem: "libjpeg-turbo could not start", fix: "check memory")
        }
        defer { tjDestroy(handle) }
        return try data.withUnsafeBytes { raw -> RGBImage in
            let src = raw.bindMemory(to: UInt8.self).baseAddress!
            var width: Int32 = 0, height: Int32 = 0, subsamp: Int32 = 0, colorspace: Int32 = 0
            func failure(_ what: String) -> FileError {
                let message = String(cString: tjGetErrorStr2(handle))
                return FileError(file: file, problem: "\(what) JPEG (\(message))",
                                 fix: "re-export the image or remove it from the data set")
            }
            guard tjDecompressHeader3(handle, src, UInt(raw.count), &width, &height, &subsamp, &colorspace) == 0 else {
                throw failure("corrupt")
            }
            guard width > 0, height > 0 else { throw failure("corrupt") }
            if Int(width) * Int(height) > maxPixels {
                throw FileError(file: file,
                                problem: "JPEG declared size \(width)x\(height) exceeds the limit of \(maxPixels) pixels (decompression bomb?)",
                                fix: "if the image is genuine, downscale it first (e.g. ImageMagick: convert IN -resize 8000x8000 OUT), or leave it out with thaw extract --on-error skip")
            }
            if let lease { lease.acquire(DecodeBudget.imageBytes(width: Int(width), height: Int(height))) }
            do { return try pixels(handle, raw, width: width, height: height, colorspace: colorspace, failure: failure,
                                   applyExifOrientation: applyExifOrientation) } catch { lease?.releaseAll(); throw error }
        }
    }

    /// Decodes the pixels of a JPEG whose header `tjDecompressHeader3` read.
    private static func pixels(_ handle: tjhandle, _ raw: UnsafeRawBufferPointer, width: Int32, height: Int32, colorspace: Int32,
                               failure: (String) -> FileError, applyExifOrientation: Bool) throws -> RGBImage {
        let src = raw.bindMemory(to: UInt8.self).baseAddress!
        let markers = JPEGMarkers.scan(raw)
        let cmyk = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
        let channels = cmyk ? 4 : 3
        let format = cmyk ? TJPF_CMYK : TJPF_RGB
        let flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS
        var out = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)  // [h, w, channels]
        let rc = out.withUnsafeMutableBufferPointer { dst in
            tjDecompress2(handle, src, UInt(raw.count), dst.baseAddress, width, 0, height,
                          Int32(format.rawValue), Int32(flags))
        }
        guard rc == 0 else { throw failure("corrupt or truncated") }
        var image: RGBImage
        if cmyk {
            image = CMYKConversion.toRGB(out, width: Int(width), height: Int(height), adobeInverted: markers.adobe)
        } else {
            image = RGBImage(width: Int(width), height: Int(height), pixels: out)
        }
        if applyExifOrientation, let orientation = markers.orientation, orientation != 1 {
            image = ExifOrientation.apply(orientation, to: image)
        }
        return image
    }
}

/// CMYK → RGB as PIL computes it: R = (255 − C)(255 − K)/255 with PIL's rounding.
/// Adobe (APP14) files store CMYK inverted, as PIL assumes.
enum CMYKConversion {
    static func toRGB(_ cmyk: [UInt8], width: Int, height: Int, adobeInverted: Bool) -> RGBImage {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)  // [h, w, 3]
        @inline(__always) func muldiv255(_ a: Int, _ b: Int) -> Int {
            let t = a * b + 128
            return ((t >> 8) + t) >> 8
        }
        for i in 0..<(width * height) {
            var c = Int(cmyk[4 * i]), m = Int(cmyk[4 * i + 1]), y = Int(cmyk[4 * i + 2]), k = Int(cmyk[4 * i + 3])
            if adobeInverted { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k }
            let nk = 255 - k
            rgb[3 * i] = UInt8(clamping: nk - muldiv255(c, nk))
            rgb[3 * i + 1] = UInt8(clamping: nk - muldiv255(m, nk))
            rgb[3 * i + 2] = UInt8(clamping: nk - muldiv255(y, nk))
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }
}
