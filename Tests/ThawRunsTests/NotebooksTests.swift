import Foundation
import XCTest

/// The notebooks in `notebooks/` are valid nbformat 4 JSON, unexecuted, and honour `THAW` and
/// `THAW_NOTEBOOK_LIMIT` (their execution is a separate CI step).
final class NotebooksTests: XCTestCase {
    func testNotebooksAreUnexecutedNbformat4() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for name in ["01-overnight-extraction", "02-head-sweep", "03-frozen-vs-finetuned"] {
            let url = root.appendingPathComponent("notebooks/\(name).ipynb")
            let book = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any], name)
            XCTAssertEqual(book["nbformat"] as? Int, 4, name)
            let cells = try XCTUnwrap(book["cells"] as? [[String: Any]], name)
            let code = cells.filter { $0["cell_type"] as? String == "code" }
            XCTAssertGreaterThan(code.count, 3, name)
            XCTAssertTrue(cells.contains { $0["cell_type"] as? String == "markdown" }, name)
            for cell in code { XCTAssertEqual((cell["outputs"] as? [Any])?.count, 0, "\(name): commit notebooks without outputs") }
            let source = code.flatMap { $0["source"] as? [String] ?? [] }.joined()
            for needle in ["THAW\"", "THAW_NOTEBOOK_LIMIT", "subprocess", "import lmdb", "matplotlib"] {
                XCTAssertTrue(source.contains(needle), "\(name) lacks \(needle)")
            }
        }
    }
}
