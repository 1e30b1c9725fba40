import ThawCore
import XCTest

/// The one error shape: how its parts are printed, and how a one-sentence error is split into them.
final class ThawErrorTests: XCTestCase {
    private struct Sentence: SentenceError {
        var problem: String
        var fix: String
        init(problem: String, fix: String) { self.problem = problem; self.fix = fix }
    }

    func testFileErrorPrintsFileProblemFix() {
        let e = FileError(file: "a/1.jpg", problem: "is not a JPEG or PNG image", fix: "remove it or convert it")
        XCTAssertEqual(e.description, "a/1.jpg: is not a JPEG or PNG image. Fix: remove it or convert it")
        XCTAssertEqual(e.localizedDescription, e.description)
    }

    func testNoDoubledPeriodAndListsEndInANewLine() {
        XCTAssertEqual(ThawErrorText.render(file: "f", problem: "bad.", fix: "redo"), "f: bad. Fix: redo")
        XCTAssertEqual(ThawErrorText.render(file: "", problem: "fields:\n  - a\n", fix: "redo"), "fields:\n  - a\nFix: redo")
        XCTAssertEqual(ThawErrorText.render(file: "f", problem: "bad", fix: ""), "f: bad")
    }

    /// A sentence prints exactly as written, whether or not it carries a fix.
    func testSentenceErrorsKeepTheirText() {
        for text in ["c: no tap named \"x\". Fix: pass --tap with one of: pool", "--lr -1: must be a finite number greater than 0 (e.g. 1e-3)",
                     "a. b. Fix: c. Fix: d", "multi\nline. Fix: x"] {
            XCTAssertEqual(Sentence(text).description, text)
        }
        let e = Sentence("c: no tap. Fix: pass --tap pool")
        XCTAssertEqual(e.problem, "c: no tap")
        XCTAssertEqual(e.fix, "pass --tap pool")
        XCTAssertEqual(e.file, "")
    }
}
