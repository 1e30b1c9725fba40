import Foundation
import XCTest

/// `thaw models` states every model's default fine-tuning boundary (the registry's table).
final class ModelsBoundaryCLITests: XCTestCase {
    func testModelsListsEachBoundary() throws {
        let r = try ThawBinary.run(["models"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let boundaries = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  fine-tuning boundary: ") }
        let models = r.stdout.split(separator: "\n").filter { !$0.hasPrefix(" ") && $0.contains("  [") }
        XCTAssertEqual(boundaries.count, models.count, r.stdout)
        XCTAssertGreaterThanOrEqual(models.count, 12, r.stdout)
        for expected in ["blocks.11: blocks 12–15 of 0–15 + head stage train", "blocks.22: blocks 23–29 of 0–29 + head stage train",
                         "layer3: layer4 trains", "layer.4: layer 5 of 0–5 trains", "layer.8 for 12"] {
            XCTAssertTrue(boundaries.contains { $0.contains(expected) }, "\(expected) in\n\(boundaries.joined(separator: "\n"))")
        }
        let json = try ThawBinary.run(["models", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let rows = try XCTUnwrap(object?["models"] as? [[String: Any]])
        XCTAssertTrue(rows.allSatisfy { ($0["fineTuneBoundary"] as? String)?.isEmpty == false }, json.stdout)
    }
}
