import Foundation
import ThawBLAS
import ThawKernels
import XCTest

/// Per-kernel cost of one MiniLM layer at batch 16 × 128 tokens; runs only with THAW_TIMING=1:
///   swift build -c release --build-tests -Xswiftc -enable-testing
///   THAW_TIMING=1 swift test -c release --skip-build --filter TransformerKernelTiming
final class TransformerKernelTiming: XCTestCase {
    func time(_ label: String, flops: Double = 0, _ body: () -> Void) {
        body()
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        print(String(format: "%@: %.2f ms%@", label, best * 1e3, flops > 0 ? String(format: " (%.0f GFLOP/s)", flops / best / 1e9) : ""))
    }

    func testOneMiniLMLayer() throws {
        guard ProcessInfo.processInfo.environment["THAW_TIMING"] == "1" else { throw XCTSkip("set THAW_TIMING=1 to time") }
        let info = try BLAS.load()
        print("OpenBLAS \(info.corename), \(info.threads) threads")
        let (b, t, c, i, h) = (16, 128, 384, 1536, 12), rows = b * t
        func rnd(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1) } }
        func lin(_ o: Int, _ k: Int) -> LinearParameters { LinearParameters(weight: rnd(o * k), bias: rnd(o), inFeatures: k, outFeatures: o) }
        let x = rnd(rows * c)
        var y = [Float](repeating: 0, count: rows * c), f = [Float](repeating: 0, count: rows * i)
        let up = lin(i, c), att = SelfAttentionParameters(query: lin(c, c), key: lin(c, c), value: lin(c, c), output: lin(c, c), heads: h)
        let mask = [Int32](repeating: 1, count: rows)
        var ws = SelfAttentionWorkspace(batch: b, length: t, channels: c, heads: h)
        let g = rnd(c), be = rnd(c)
        time("linear 2048×384 → 1536", flops: 2.0 * Double(rows * c * i)) { Linear.forward(up, x: x, rows: rows, y: &f) }
        time("self-attention 16×128×384, 12 heads", flops: 2.0 * Double(rows) * Double(4 * c * c + 2 * t * c)) {
            SelfAttention.forward(att, x: x, mask: mask, batch: b, length: t, workspace: &ws, y: &y)
        }
        time("GELU 2048×1536") { f.withUnsafeMutableBufferPointer { GELU.forward(x: $0.baseAddress!, count: $0.count, y: $0.baseAddress!) } }
        time("layer norm 2048×384") { LayerNorm.forward(x: x, rows: rows, channels: c, gamma: g, beta: be, eps: 1e-12, y: &y) }
        time("softmax 24576×128") { ws.probs.withUnsafeMutableBufferPointer { Softmax.forward($0.baseAddress!, rows: b * h * t, columns: t) } }
    }
}
