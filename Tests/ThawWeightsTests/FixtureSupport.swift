import Foundation
import ThawAssets
import ThawCore
@testable import ThawWeights
import XCTest

/// Fixture files written by scripts/golden/weights_fixtures.py.
enum Fixture {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!
    }
    static func path(_ name: String) -> String { url(name).path }
    static func data(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }

    struct Row: Decodable { var name, dtype: String; var shape: [Int]; var offset: Int }

    /// expected.json: per fixture file, every tensor with its values at `offset` floats into expected.bin.
    static let expected: [String: [Row]] = {
        try! JSONDecoder().decode([String: [Row]].self, from: data("expected.json"))
    }()
    static let expectedValues: [Float] = {
        let d = try! data("expected.bin")
        return d.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }()

    /// The Python site-packages folder pip installs the packaged assets into.
    static let sitePackages = (SitePackages.roots().first ?? "/usr/lib/python3/dist-packages") + "/"
}

/// Compares every element with a relative tolerance; on failure names the worst element.
func assertClose(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-6, atol: Float = 1e-7,
                 _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    if let failure = closeMismatch(actual, expected, rtol: rtol, atol: atol, what) { XCTFail(failure, file: file, line: line) }
}

/// Why `actual` is not within tolerance of `expected`, or nil. Weight files may hold NaN and
/// infinities: a NaN matches only a NaN, an infinity only the same infinity.
func closeMismatch(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-6, atol: Float = 1e-7, _ what: String) -> String? {
    guard actual.count == expected.count else { return "\(what): \(actual.count) values, expected \(expected.count)" }
    var worst = -1
    var worstExcess: Float = 0
    for i in 0..<actual.count where actual[i] != expected[i] && !(actual[i].isNaN && expected[i].isNaN) {
        let excess = abs(actual[i] - expected[i]) - (atol + rtol * abs(expected[i]))
        if !(excess <= 0) && !(worstExcess.isNaN) && !(excess <= worstExcess) { worstExcess = excess; worst = i }   // NaN excess: kept
    }
    return worst < 0 ? nil : "\(what): worst element \(worst): got \(actual[worst]), expected \(expected[worst])"
}

/// Checks every tensor of a fixture against the golden values.
/// `ordered`: PyTorch files keep the state_dict order; safetensors are listed by data offset.
func assertMatchesGolden(_ weights: WeightFile, fixture: String, ordered: Bool = true, file: StaticString = #filePath, line: UInt = #line) {
    guard let rows = Fixture.expected[fixture] else { return XCTFail("no golden rows for \(fixture)", file: file, line: line) }
    if ordered {
        XCTAssertEqual(weights.tensors.map(\.name), rows.map(\.name), "\(fixture): names in file order", file: file, line: line)
    } else {
        XCTAssertEqual(weights.tensors.map(\.name).sorted(), rows.map(\.name).sorted(), "\(fixture): names", file: file, line: line)
    }
    for row in rows {
        guard let t = weights[row.name] else { XCTFail("\(fixture): missing \(row.name)", file: file, line: line); continue }
        XCTAssertEqual(t.dtype.torchName, row.dtype, "\(fixture): dtype of \(row.name)", file: file, line: line)
        XCTAssertEqual(t.shape, row.shape, "\(fixture): shape of \(row.name)", file: file, line: line)
        let n = row.shape.reduce(1, *)
        assertClose(t.floats(), Array(Fixture.expectedValues[row.offset..<(row.offset + n)]), "\(fixture): \(row.name)", file: file, line: line)
    }
}

/// Expects a `FileError` whose text contains every fragment.
func assertWeightsError(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch let error as FileError {
        for f in fragments where !error.description.contains(f) {
            XCTFail("error '\(error.description)' does not mention '\(f)'", file: file, line: line)
        }
        // The fix is read by CLI users: no Swift API names (`KeyRule.ignore`, `latin1Fallback: true`).
        let internals = #"\b[A-Z][A-Za-z]*\.[a-z]+[A-Z]\w*|\b[a-z][a-z0-9]*[A-Z]\w*: (true|false)|\bKeyRule\b"#
        if let r = error.fix.range(of: internals, options: .regularExpression) {
            XCTFail("the fix names a library internal (\(error.fix[r])): \(error.fix)", file: file, line: line)
        }
    } catch {
        XCTFail("expected a FileError, got \(error)", file: file, line: line)
    }
}
