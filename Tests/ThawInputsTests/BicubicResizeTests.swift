import Foundation
import XCTest
@testable import ThawInputs

/// The bicubic presets (`imagenet-bicubic` for DINOv2/DeiT, `clip`) against PIL's `resize(BICUBIC)` +
/// torchvision's CenterCrop on the real photos (scripts/golden/preprocess_bicubic.py), bit for bit:
/// the fixtures are uint8, so every normalised value must equal the one made from PIL's byte.
final class BicubicResizeTests: XCTestCase {
    func testBicubicPresetsEqualPILOnRealPhotos() throws {
        let root = try XCTUnwrap(Fixtures.json("preprocess/bicubic/bicubic.json") as? [String: Any],
                                 "preprocess/bicubic/bicubic.json missing. Fix: python3 scripts/golden/preprocess_bicubic.py")
        let entries = try XCTUnwrap(root["entries"] as? [[String: Any]])
        let decoder = ImageDecoder()
        var checked = 0
        for entry in entries {
            let source = entry["source"] as! String, resize = entry["resize"] as! Int, crop = entry["crop"] as! Int
            let pil = [UInt8](try Data(contentsOf: Fixtures.url("preprocess/bicubic/" + (entry["file"] as! String))))
            XCTAssertEqual(pil.count, crop * crop * 3, source)
            let image = try decoder.decode(file: try Fixtures.photo(source))
            for preset in [Preprocessing.imagenetBicubic(resize: resize, crop: crop), .clip(resize: resize, crop: crop)] {
                let out = Preprocessor(preset).apply(image)
                var differing = 0, first = -1
                for i in 0..<pil.count {
                    let c = i % 3
                    let want = (Float(pil[i]) / (1 / preset.inputScale) - preset.mean[c]) / preset.std[c]
                    if out[i] != want { differing += 1; if first < 0 { first = i } }
                }
                XCTAssertEqual(differing, 0, "\(source) \(preset.name) \(resize)→\(crop): \(differing) values differ from PIL's bicubic, first at \(first)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 20)
    }

    /// Bicubic and bilinear give different images (the filter really is switched), and the presets
    /// round-trip through the manifest's JSON.
    func testFilterIsRecordedAndUsed() throws {
        let image = try ImageDecoder().decode(file: try Fixtures.photo("chelsea.png"))
        let bicubic = Preprocessor(.imagenetBicubic(resize: 72, crop: 64)).apply(image)
        let bilinear = Preprocessor(.imagenet(resize: 72, crop: 64)).apply(image)
        XCTAssertNotEqual(bicubic, bilinear)
        for p in [Preprocessing.imagenetBicubic(resize: 256, crop: 224), .clip(resize: 224, crop: 224)] {
            XCTAssertEqual(try JSONDecoder().decode(Preprocessing.self, from: JSONEncoder().encode(p)), p)
            XCTAssertEqual(Preprocessing.named(p.name, resize: p.resize, crop: p.crop), p)
        }
    }
}
