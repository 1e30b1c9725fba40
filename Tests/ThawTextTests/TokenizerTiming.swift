import Foundation
import ThawAssets
import ThawText
import XCTest

/// Throughput on all BBC News articles; runs only with THAW_TIMING=1 (a measurement, not a test):
///   swift build -c release --build-tests && THAW_TIMING=1 swift test -c release --skip-build --filter TokenizerTiming
/// Peer: benchmarks/wordpiece_tokenizers.py (Hugging Face `tokenizers`, same articles).
final class TokenizerTiming: XCTestCase {
    func testBBCArticlesPerSecond() throws {
        guard ProcessInfo.processInfo.environment["THAW_TIMING"] == "1" else { throw XCTSkip("set THAW_TIMING=1 to time") }
        let asset = KnownAsset.named("bbc-news")!
        guard let root = asset.find() else { throw XCTSkip("BBC News is not installed: \(asset.installCommand)") }
        let fm = FileManager.default
        var texts: [String] = []
        for topic in try fm.contentsOfDirectory(atPath: root).sorted() {
            let dir = (root as NSString).appendingPathComponent(topic)
            for name in try fm.contentsOfDirectory(atPath: dir).sorted() where name.hasSuffix(".txt") {
                texts.append(String(decoding: try Data(contentsOf: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(name))), as: UTF8.self))
            }
        }
        for maxLength in [256, 100_000] {
            let tok = try miniLMTokenizer(maxLength: maxLength)
            for (label, run) in [("1 thread", { for t in texts { _ = tok.encode(t) } }),
                                 ("all cores", { _ = tok.encodeAll(texts) })] as [(String, () -> Void)] {
                run()   // warm the caches
                var best = Double.infinity
                for _ in 0..<3 {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    run()
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                }
                print(String(format: "WordPiece max length %d, %@: %.0f articles/s (%d articles, best of 3: %.3f s)",
                             maxLength, label, Double(texts.count) / best, texts.count, best))
            }
        }
    }
}
