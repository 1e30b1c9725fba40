import Foundation
import ThawAssets
import ThawBackbones
import ThawText
import XCTest

/// MiniLM-L6 sentences/s at length 128, batch 16 (BBC articles cut to 128 tokens); runs only
/// with THAW_TIMING=1 (a measurement, not a test):
///   swift build -c release --build-tests && THAW_TIMING=1 swift test -c release --skip-build --filter BERTTiming
/// Peer: benchmarks/bert_minilm_torch.py (same batches, PyTorch, 2 threads).
final class BERTTiming: XCTestCase {
    func testMiniLMSentencesPerSecond() throws {
        guard ProcessInfo.processInfo.environment["THAW_TIMING"] == "1" else { throw XCTSkip("set THAW_TIMING=1 to time") }
        let model = KnownAsset.named("all-minilm-l6-v2")!, bbc = KnownAsset.named("bbc-news")!
        guard let path = model.find(), let root = bbc.find() else { throw XCTSkip("needs all-MiniLM-L6-v2 and BBC News") }
        let st = try SafetensorsF32(path: path)
        let encoder = try BertEncoder(configuration: .miniLML6) { try st.tensor($0, shape: $1) }
        let tokenizer = try BertTokenizer(modelDirectory: URL(fileURLWithPath: path).deletingLastPathComponent(), maxLength: 128)
        let dir = (root as NSString).appendingPathComponent("business")
        let texts = try (1...64).map { try String(contentsOfFile: (dir as NSString).appendingPathComponent(String(format: "%03d.txt", $0)), encoding: .utf8) }
        let batches = stride(from: 0, to: texts.count, by: 16).map { tokenizer.encodeBatch(Array(texts[$0..<$0 + 16]), padding: .fixed(128)) }
        var ws = BertEncoder.Workspace(.miniLML6, batch: 16, length: 128)
        _ = encoder.sentenceEmbeddings(batches[0], workspace: &ws)
        var best = Double.infinity
        for _ in 0..<3 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for b in batches { _ = encoder.sentenceEmbeddings(b, workspace: &ws) }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        print(String(format: "BertEncoder MiniLM-L6, batch 16 × 128 tokens: %.1f sentences/s (best of 3: %.3f s for %d)",
                     Double(texts.count) / best, best, texts.count))
    }
}
