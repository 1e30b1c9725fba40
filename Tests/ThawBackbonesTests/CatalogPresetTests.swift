import ThawBackbones
import ThawInputs
import XCTest

/// Every image model in the catalog names a preprocessing preset ThawInputs knows, at its own sizes.
final class CatalogPresetTests: XCTestCase {
    func testEveryImageEntryNamesAKnownPreset() {
        var images = 0
        for entry in ModelCatalog.all {
            guard case .image(let preset, let resize, let size) = entry.input else { continue }
            images += 1
            let p = Preprocessing.named(preset, resize: resize, crop: size)
            XCTAssertEqual(p?.name, preset, entry.name)
            XCTAssertEqual(p?.resize, resize, entry.name)
            XCTAssertEqual(p?.crop, size, entry.name)
        }
        XCTAssertGreaterThan(images, 0)
        XCTAssertEqual(Preprocessing.named("imagenet", resize: 256, crop: 224), .imagenet)
        XCTAssertEqual(Preprocessing.named("efficientnet-lite", resize: 256, crop: 224), .efficientNetLite)
        XCTAssertNil(Preprocessing.named("no-such-preset", resize: 224, crop: 224))
    }
}
