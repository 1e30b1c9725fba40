import XCTest
import ThawFit
import ThawHeads

/// Numbers typed on the command line are checked before any data is read: no trap on an
/// overflowing size, no run spent training uphill or into NaN.
final class ArgumentCheckTests: XCTestCase {
    func testLearningRatesAndDecaysMustBeFiniteAndSigned() {
        for bad: Float in [0, -1e-3, .nan, .infinity, -.infinity] {
            XCTAssertTrue(fitError { try HyperparameterCheck.positive(bad, flag: "--lr") }.contains("--lr"), "\(bad)")
        }
        for bad: Float in [-1e-4, .nan, .infinity] {
            XCTAssertTrue(fitError { try HyperparameterCheck.nonNegative(bad, flag: "--weight-decay") }.contains("--weight-decay"), "\(bad)")
        }
        XCTAssertNoThrow(try HyperparameterCheck.positive(Float(1e-3), flag: "--lr"))
        XCTAssertNoThrow(try HyperparameterCheck.nonNegative(0, flag: "--weight-decay"))
        XCTAssertNoThrow(try HyperparameterCheck.positive(Double(1e6), flag: "--c"))
        XCTAssertFalse(fitError { try HyperparameterCheck.positive(Double.infinity, flag: "--c") }.isEmpty)
    }

    /// The check comes first: the cache does not even exist here.
    func testFitAndSweepRefuseBadNumbersBeforeReadingTheCache() {
        var fit = FitRequest(cache: "/nonexistent/cache", tap: "pool")
        fit.lr = -0.01
        XCTAssertTrue(fitError { _ = try FitRun.run(fit) }.contains("--lr -0.01"))
        fit.lr = 0.01; fit.weightDecay = .nan
        XCTAssertTrue(fitError { _ = try FitRun.run(fit) }.contains("--weight-decay nan"))
        var sweep = SweepRequest(cache: "/nonexistent/cache")
        sweep.axes.lrs = [1e-3, .infinity]
        XCTAssertTrue(fitError { _ = try SweepRun.run(sweep) }.contains("--lr inf"))
        sweep.axes.lrs = [1e-3]; sweep.axes.weightDecays = [-1]
        XCTAssertTrue(fitError { _ = try SweepRun.run(sweep) }.contains("--weight-decay -1"))
    }

    func testHeadWidthsMustBePositive() throws {
        for bad in ["mlp:-5", "mlp:5,-6", "mlp:,5", "mlp:5,", "mlp--5", "mlp:5-6"] {
            XCTAssertTrue(fitError { _ = try HeadName.parse(bad) }.contains("positive hidden widths"), bad)
        }
        XCTAssertEqual(try HeadName.parse("mlp:512,256").hidden, [512, 256])
        XCTAssertEqual(try HeadName.parse("mlp-512-256").hidden, [512, 256])
    }

    func testMemoryBudgetThatOverflowsIsAnErrorNotATrap() throws {
        for bad in ["99999999999999G", "1e300M", "9223372036854775807K", "200%", "inf%", "infG", "nanM"] {
            XCTAssertTrue(fitError { _ = try MemoryBudget.parse(bad) }.contains("--memory-budget"), bad)
        }
        XCTAssertEqual(try MemoryBudget.parse("1G"), 1 << 30)
        XCTAssertEqual(try MemoryBudget.parse("9223372036854775807"), Int.max)
    }
}
