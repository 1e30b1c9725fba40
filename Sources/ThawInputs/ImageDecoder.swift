import Foundation
import ThawCore

/// Decodes JPEG and PNG files to RGB u8, recognising the format from its bytes (not its extension).
public struct ImageDecoder: Sendable {
    /// Images whose header declares more pixels than this are refused before decoding
    /// (a decompression bomb guard; PIL warns at 89.5 M and refuses at twice that).
    public var maxPixels: Int
    /// Apply the Exif orientation tag of JPEGs (PIL's `convert("RGB")` alone does not).
    public var applyExifOrientation: Bool
    /// When set, every decoded image first takes its bytes from this worker's share of a `DecodeBudget`
    /// (a JPEG before its pixels are allocated, a PNG once decoded); the holder releases them.
    public var lease: DecodeLease?

    public init(maxPixels: Int = 89_478_485, applyExifOrientation: Bool = true, lease: DecodeLease? = nil) {
        self.maxPixels = maxPixels
        self.applyExifOrientation = applyExifOrientation
        self.lease = lease
    }

    /// Reads and decodes one file.
    public func decode(file path: String) throws -> RGBImage {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FileError(file: path, problem: "cannot be read (\(error.localizedDescription))",
                            fix: "check that the file exists and is readable")
        }
        return try decode(data, file: path)
    }

    /// Decodes bytes already in memory; `file` names them in errors.
    public func decode(_ data: Data, file: String) throws -> RGBImage {
        switch ImageFormat.sniff(data) {
        case .jpeg:
            return try JPEGDecoder.decode(data, file: file, maxPixels: maxPixels,
                                          applyExifOrientation: applyExifOrientation, lease: lease)
        case .png:
            let image = try PNGDecoder.decode(data, file: file, maxPixels: maxPixels)
            lease?.acquire(DecodeBudget.imageBytes(width: image.width, height: image.height))
            return image
        case .empty:
            throw FileError(file: file, problem: "is empty (0 bytes)",
                            fix: "re-copy the file or remove it from the data set")
        case .other(let name):
            throw FileError(file: file, problem: "is \(name), not a JPEG or PNG",
                            fix: "convert it to JPEG or PNG, or remove it from the data set")
        }
    }
}

/// The format of an image file, from its first bytes.
public enum ImageFormat: Equatable, Sendable {
    case jpeg, png, empty
    case other(String)

    public static func sniff(_ data: Data) -> ImageFormat {
        if data.isEmpty { return .empty }
        let head = [UInt8](data.prefix(8))
        func starts(_ magic: [UInt8]) -> Bool { head.count >= magic.count && Array(head.prefix(magic.count)) == magic }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(Array("GIF8".utf8)) { return .other("a GIF image") }
        if starts(Array("BM".utf8)) { return .other("a BMP image") }
        if starts([0x52, 0x49, 0x46, 0x46]) { return .other("a RIFF (WebP?) file") }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .other("a TIFF image") }
        let printable = head.allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || (32..<127).contains($0) }
        return .other(printable ? "text" : "an unknown format")
    }
}
