import Foundation
import XCTest
@testable import ThawInputs

/// Thaw's preprocessing against torchvision's PIL path (scripts/golden/preprocess.py).
final class PreprocessGoldenTests: XCTestCase {
    private func entries() throws -> [[String: Any]] {
        let root = try XCTUnwrap(Fixtures.json("preprocess/preprocess.json") as? [String: Any])
        return try XCTUnwrap(root["entries"] as? [[String: Any]])
    }

    private func preset(_ name: String, resize: Int = 256, crop: Int = 224) -> Preprocessing {
        name == "imagenet" ? .imagenet(resize: resize, crop: crop) : .efficientNetLite(resize: resize, crop: crop)
    }

    func testRealPhotosMatchTorchvision() throws {
        let decoder = ImageDecoder()
        var checked = 0
        for entry in try entries() where entry["kind"] as? String == "photo" {
            let source = entry["source"] as! String
            let image = try decoder.decode(file: try Fixtures.photo(source))
            XCTAssertEqual(image.width, entry["width"] as? Int, source)
            XCTAssertEqual(image.height, entry["height"] as? Int, source)
            let out = Preprocessor(preset(entry["preset"] as! String)).apply(image)
            let expected = try Fixtures.float16("preprocess/" + (entry["file"] as! String))
            // float16 fixtures round by ≤ 0.001 here; one u8 step is ≥ 0.0078 (efficientnet-lite) or 0.017
            // (imagenet), so the tight bound shows the u8 resize equals PIL's bit for bit.
            assertClose(out, expected, meanAbs: 0.01, maxAbs: 0.05, source)
            assertClose(out, expected, meanAbs: 0.001, maxAbs: 0.004, "\(source) (tight)")
            checked += 1
        }
        XCTAssertEqual(checked, 7)
    }

    func testFashionMNISTUpscaledTo224MatchesTorchvision() throws {
        let path = try Fixtures.require("\(Fixtures.fashion)/t10k-images-idx3-ubyte.gz", install: "apt-get install dataset-fashion-mnist")
        let idx = try IDXFile(path: path)
        let pre = Preprocessor(.imagenet(resize: 224, crop: 224))
        for entry in try entries() where entry["kind"] as? String == "fashion-mnist" {
            let i = entry["index"] as! Int, stride = entry["stride"] as! Int
            let image = idx.data.withUnsafeBytes { raw in
                RGBImage(grey: UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[(i * 784)..<((i + 1) * 784)]), width: 28, height: 28)
            }
            let full = pre.apply(image)   // [224, 224, 3]
            var sub: [Float] = []
            for y in Swift.stride(from: 0, to: 224, by: stride) {
                for x in Swift.stride(from: 0, to: 224, by: stride) { for c in 0..<3 { sub.append(full[(y * 224 + x) * 3 + c]) } }
            }
            assertClose(sub, try Fixtures.float16("preprocess/" + (entry["file"] as! String)), meanAbs: 0.01, maxAbs: 0.05, "fashion t10k #\(i)")
        }
    }

    func testOutputSizeAndCropOffsetFollowTorchvision() {
        let p = Preprocessing.imagenet
        XCTAssertEqual(p.resizedSize(width: 451, height: 300).width, 384)   // int(256*451/300) = 384
        XCTAssertEqual(p.resizedSize(width: 300, height: 451).height, 384)
        XCTAssertEqual(p.resizedSize(width: 768, height: 576).width, 341)   // 341.33 truncated
        XCTAssertEqual(Preprocessing.cropOffset(size: 256, crop: 224), 16)
        XCTAssertEqual(Preprocessing.cropOffset(size: 293, crop: 224), 34) // round(34.5) = 34 (half to even)
        XCTAssertEqual(Preprocessing.cropOffset(size: 227, crop: 224), 2)  // round(1.5) = 2
    }

    func testPresetRoundTripsThroughJSON() throws {
        let data = try JSONEncoder().encode(Preprocessing.efficientNetLite)
        XCTAssertEqual(try JSONDecoder().decode(Preprocessing.self, from: data), .efficientNetLite)
    }
}
