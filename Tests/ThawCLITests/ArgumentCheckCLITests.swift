import Foundation
import XCTest

/// Arguments that once trapped, allocated terabytes or misled are refused by `thaw` itself, with a
/// message naming the flag, before any model or data is read (the paths below do not exist).
final class ArgumentCheckCLITests: XCTestCase {
    private let extract = ["extract", "--model", "efficientnet-lite0", "--data", "/nonexistent/data", "--cache", "/nonexistent/cache"]

    func testExtractArguments() {
        ThawBinary.expectRefusal(extract + ["--tap", "pool", "--tap", "pool"], ["--tap pool is given more than once"])
        ThawBinary.expectRefusal(extract + ["--image-size", "100000"], ["--image-size must be in 8…4096"])
        ThawBinary.expectRefusal(extract + ["--limit", "-5"], ["--limit must be ≥ 1"])
        ThawBinary.expectRefusal(extract + ["--batch", "-1"], ["--batch and --commit-every must be ≥ 1"])
    }

    func testCachePathThatIsAFileOrEmpty() throws {
        let file = NSTemporaryDirectory() + "thaw-cli-\(UUID().uuidString).txt"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        ThawBinary.expectRefusal(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--cache", file, "--limit", "1"],
                                 ["is a file, not a cache folder"])
        ThawBinary.expectRefusal(["cache", "info", file], ["is a file, not a cache folder"])
        ThawBinary.expectRefusal(["cache", "info", ""], ["the cache path is empty"])
    }

    func testFineTuneNumbers() {
        let finetune = ["finetune", "--cache", "/nonexistent/cache", "--from", "blocks.5"]
        ThawBinary.expectRefusal(finetune + ["--lr", "inf"], ["--lr inf"])
        ThawBinary.expectRefusal(finetune + ["--lr", "-0.1"], ["--lr -0.1"])
        ThawBinary.expectRefusal(finetune + ["--layer-decay", "nan"], ["--layer-decay nan"])
        ThawBinary.expectRefusal(finetune + ["--weight-decay", "inf"], ["--weight-decay inf"])
    }

    func testFitAndSweepNumbers() {
        let fit = ["fit", "--cache", "/nonexistent/cache", "--tap", "pool"]
        ThawBinary.expectRefusal(fit + ["--head", "mlp:-5"], ["positive hidden widths"])
        ThawBinary.expectRefusal(fit + ["--memory-budget", "99999999999999G"], ["larger than any machine"])
        // Found while running: the message alone, not the root command's usage text.
        let r = try? ThawBinary.run(fit + ["--memory-budget", "99999999999999G"])
        XCTAssertFalse(r?.stderr.contains("Usage:") ?? true, r?.stderr ?? "")
        ThawBinary.expectRefusal(fit + ["--lr", "nan"], ["--lr nan"])
        ThawBinary.expectRefusal(fit + ["--epochs", "-5"], ["--epochs and --batch must be ≥ 1"])
        ThawBinary.expectRefusal(fit + ["--lr", "-1e-3"], ["--lr -0.001"])
        ThawBinary.expectRefusal(["sweep", "--cache", "/nonexistent/cache", "--lr", "1e-3,inf"], ["--lr inf"])
        ThawBinary.expectRefusal(["sweep", "--cache", "/nonexistent/cache", "--weight-decay", "-1"], ["--weight-decay -1"])
    }
}
