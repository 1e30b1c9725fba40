@testable import ThawFineTune
import ThawCore
import ThawHeads
import XCTest

/// `TrainableBertLayer` keeps its attention buffers between steps: after the largest chunk, steps
/// of any smaller batch × length reuse them, and results equal a fresh layer's bit for bit.
final class BertLayerScratchTests: XCTestCase {
    func inputs(batch: Int, length: Int, seed: UInt64) -> (x: [Float], mask: [Int32], dy: [Float]) {
        var rng = SplitMix64(seed: seed)
        let rows = batch * length, c = TinyBert.channels
        let x = (0..<(rows * c)).map { _ in rng.nextNormal() }, dy = (0..<(rows * c)).map { _ in rng.nextNormal() }
        var mask = [Int32](repeating: 0, count: rows)
        for b in 0..<batch { for t in 0..<(1 + (b + Int(seed % 7)) % length) { mask[b * length + t] = 1 } }
        return (x, mask, dy)
    }

    func address(_ a: [Float]) -> UnsafePointer<Float>? { a.withUnsafeBufferPointer { $0.baseAddress } }

    func testBuffersAreReusedAndResultsUnchanged() throws {
        let layer = try TinyBert.make().layers[0]
        func step(_ batch: Int, _ length: Int, seed: UInt64, on l: TrainableBertLayer) -> ([Float], [Float]) {
            let (x, mask, dy) = inputs(batch: batch, length: length, seed: seed)
            let (y, saved) = l.forward(x, mask: mask, batch: batch, length: length)
            return (y, l.backward(dy, saved: saved))
        }
        _ = step(4, 6, seed: 1, on: layer)   // the largest chunk sizes the buffers
        let q = address(layer.scratch.forward.q), probs = address(layer.scratch.forward.probs)
        let dq = address(layer.scratch.gradients.query.weight), tokens = layer.scratch.backward.maxTokens
        for (i, (b, t)) in [(4, 6), (3, 5), (1, 6), (4, 2)].enumerated() {
            for tensor in layer.tensors { tensor.zeroGrad() }
            let (y, dx) = step(b, t, seed: UInt64(10 + i), on: layer)
            XCTAssertEqual(address(layer.scratch.forward.q), q, "q reallocated at \(b)×\(t)")
            XCTAssertEqual(address(layer.scratch.forward.probs), probs, "probabilities reallocated at \(b)×\(t)")
            XCTAssertEqual(address(layer.scratch.gradients.query.weight), dq, "gradients reallocated at \(b)×\(t)")
            XCTAssertEqual(layer.scratch.backward.maxTokens, tokens, "backward workspace regrown at \(b)×\(t)")
            let fresh = try TinyBert.make().layers[0]
            let (y2, dx2) = step(b, t, seed: UInt64(10 + i), on: fresh)
            XCTAssertEqual(y, y2, "y at \(b)×\(t)")
            XCTAssertEqual(dx, dx2, "dx at \(b)×\(t)")
            for (a, f) in zip(layer.tensors, fresh.tensors) { XCTAssertEqual(a.grad, f.grad, "\(a.key) gradient at \(b)×\(t)") }
        }
        // A longer chunk grows the buffers once.
        _ = step(2, 9, seed: 3, on: layer)
        XCTAssertEqual(layer.scratch.length, 9)
        XCTAssertEqual(layer.scratch.batch, 4)
    }
}
