import Foundation
import XCTest
@testable import ThawInputs

/// PNG/JPEG variants decoded equal to PIL's `.convert("RGB")` (scripts/golden/decode.py).
final class DecodeVariantsTests: XCTestCase {
    func testVariantsMatchPIL() throws {
        let meta = try XCTUnwrap(Fixtures.json("decode/decode.json") as? [[String: Any]])
        XCTAssertEqual(meta.count, 13)
        for entry in meta {
            let name = entry["file"] as! String
            let image = try ImageDecoder().decode(file: Fixtures.url("decode/" + name).path)
            let expected = [UInt8](try Data(contentsOf: Fixtures.url("decode/" + (entry["expected"] as! String))))
            XCTAssertEqual(image.width, entry["width"] as? Int, name)
            XCTAssertEqual(image.height, entry["height"] as? Int, name)
            var worst = 0, at = 0
            for i in 0..<min(expected.count, image.pixels.count) {
                let d = abs(Int(image.pixels[i]) - Int(expected[i]))
                if d > worst { worst = d; at = i }
            }
            // Same libjpeg-turbo defaults as PIL: exact for PNG, at most a rounding step for JPEG.
            XCTAssertLessThanOrEqual(worst, name.hasSuffix(".jpg") ? 1 : 0, "\(name): worst byte \(at) differs by \(worst)")
        }
    }

    func testExifOrientationRotates() {
        let image = RGBImage(width: 2, height: 1, pixels: [1, 1, 1, 2, 2, 2])
        let r = ExifOrientation.apply(6, to: image)   // 90° clockwise: left pixel ends on top
        XCTAssertEqual([r.width, r.height], [1, 2])
        XCTAssertEqual(r.pixels, [1, 1, 1, 2, 2, 2])
        let l = ExifOrientation.apply(8, to: image)   // 90° counter-clockwise: right pixel on top
        XCTAssertEqual(l.pixels, [2, 2, 2, 1, 1, 1])
        XCTAssertEqual(ExifOrientation.apply(2, to: image).pixels, [2, 2, 2, 1, 1, 1])
    }

    func testExifOrientationTagIsFoundInAPP1() throws {
        // SOI, APP1 "Exif\0\0" + big-endian TIFF with one IFD0 entry: orientation = 6.
        var tiff: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]
        tiff = Array("Exif".utf8) + [0, 0] + tiff
        let bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, UInt8((tiff.count + 2) >> 8), UInt8((tiff.count + 2) & 0xFF)] + tiff + [0xFF, 0xDA]
        let markers = bytes.withUnsafeBytes { JPEGMarkers.scan($0) }
        XCTAssertEqual(markers.orientation, 6)
    }

    func testExifOrientationAppliedToARealJPEG() throws {
        let dog = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try Fixtures.photo("dog.jpg"))))
        var tiff: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]  // little-endian
        tiff = Array("Exif".utf8) + [0, 0] + tiff
        let rotated = Data([0xFF, 0xD8, 0xFF, 0xE1, 0, UInt8(tiff.count + 2)] + tiff + dog.dropFirst(2))
        let upright = try ImageDecoder().decode(Data(dog), file: "dog.jpg")
        let turned = try ImageDecoder().decode(rotated, file: "dog-exif6.jpg")
        XCTAssertEqual([turned.width, turned.height], [upright.height, upright.width])
        XCTAssertEqual(turned, ExifOrientation.apply(6, to: upright))
        let ignored = try ImageDecoder(applyExifOrientation: false).decode(rotated, file: "dog-exif6.jpg")
        XCTAssertEqual(ignored, upright)
    }
}
