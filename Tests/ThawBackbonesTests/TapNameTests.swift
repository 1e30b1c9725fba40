import ThawBackbones
import XCTest

/// Tap names are parsed and printed in one place (`TapName`): every form round-trips, and a bad
/// name is refused with the valid forms listed.
final class TapNameTests: XCTestCase {
    func testEveryFormRoundTrips() throws {
        let taps: [TapName] = [.input, .stem, .blocks(0), .blocks(11), .blocks(29), .layer(1), .layer(4), .encoderLayer(0),
                               .encoderLayer(11), .features(0), .features(18), .embeddings, .head, .pool, .fc, .logits]
        for tap in taps {
            XCTAssertEqual(try TapName(parsing: tap.description), tap, tap.description)
        }
        XCTAssertEqual(Set(taps.map(\.description)).count, taps.count, "distinct printed forms")
        XCTAssertEqual(TapName.blocks(11).description, "blocks.11")
        XCTAssertEqual(TapName.layer(3).description, "layer3")
        XCTAssertEqual(TapName.encoderLayer(4).description, "layer.4")
        XCTAssertEqual(TapName.features(14).description, "features.14")
    }

    /// Every cut point of every registry architecture whose cut points need no weights parses, and prints back the same.
    func testEveryStaticCutPointRoundTrips() throws {
        var names: [String] = []
        for v in 0...4 { names += EfficientNetLite.cutPoints(variant: v).map(\.name) }
        names += ResNet.cutPoints(classifier: true).map(\.name)
        names += MobileNetV2.cutPointNames.map(\.name)
        names += BertBackbone.cutPoints(layers: 12).map(\.name)
        XCTAssertGreaterThan(names.count, 100)
        for name in names {
            XCTAssertEqual(try TapName(parsing: name).description, name)
        }
    }

    func testBadNamesListTheValidForms() {
        for bad in ["", "block.3", "blocks.", "blocks.-1", "blocks.+2", "blocks.011", "blocks.3x", "layer", "layer.", "Layer3",
                    "pool ", " pool", "features.1.0", "blocks.١", "layer.99999999999999999999999"] {
            XCTAssertThrowsError(try TapName(parsing: bad), "'\(bad)'") { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("'\(bad)' is not a tap name"), text)
                XCTAssertTrue(text.contains(TapName.forms), text)
                XCTAssertTrue(text.contains("Fix:"), text)
            }
        }
    }
}
