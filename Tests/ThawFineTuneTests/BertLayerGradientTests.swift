import ThawFineTune
import XCTest

/// One BERT layer (with a padding mask) against torch float64 autograd: output, dx and every
/// parameter gradient; and a central finite difference of a few weights and inputs.
final class BertLayerGradientTests: XCTestCase {
    func makeLayer(_ g: FineTuneGolden) throws -> (TrainableBertLayer, [Int32], Int, Int) {
        let counts = g.meta["counts"] as! [Int]
        let c = g.meta["channels"] as! Int, heads = g.meta["heads"] as! Int, inter = g.meta["intermediate"] as! Int
        let layer = try TrainableBertLayer(index: g.meta["layer"] as! Int, channels: c, intermediate: inter, heads: heads,
                                           eps: 1e-12, parameter: g.parameter)
        let t = g.arrays["x"]!.shape[1]
        var mask = [Int32](repeating: 0, count: counts.count * t)
        for (r, n) in counts.enumerated() { for j in 0..<n { mask[r * t + j] = 1 } }
        return (layer, mask, counts.count, t)
    }

    func testMatchesTorchAutograd() throws {
        let g = try FineTuneGolden("bert_layer")
        let (layer, mask, b, t) = try makeLayer(g)
        let (y, saved) = layer.forward(g.array("x"), mask: mask, batch: b, length: t)
        assertClose(y, g.array("y"), tol: 1e-4, "bert y")
        let dx = layer.backward(g.array("dy"), saved: saved)
        assertClose(dx, g.array("dx"), tol: 1e-3, "bert dx")
        for tensor in layer.tensors {
            assertClose(tensor.torchGrad, g.array("grad." + tensor.key), tol: 1e-3, "bert grad \(tensor.key)")
        }
        XCTAssertEqual(layer.tensors.count, g.keys.filter { $0.hasPrefix("param.") }.count, "every fixture parameter is a layer tensor")
    }

    /// loss = Σ y ⊙ dy; central differences in Double of the Float forward (step 1e-2 keeps
    /// rounding below the tolerance at these magnitudes).
    func testFiniteDifferences() throws {
        let g = try FineTuneGolden("bert_layer")
        let (layer, mask, b, t) = try makeLayer(g)
        let x = g.array("x"), dy = g.array("dy")
        func loss(_ xs: [Float]) -> Double {
            let y = layer.forward(xs, mask: mask, batch: b, length: t).y
            return zip(y, dy).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let (_, saved) = layer.forward(x, mask: mask, batch: b, length: t)
        let dx = layer.backward(dy, saved: saved)
        let h: Float = 1e-2
        // Inputs in a real token row, and in a padding row (it feeds no key, so only its own query row).
        let c = layer.channels
        for i in [3, c + 7, (1 * t + 5) * c + 2, (1 * t + 1) * c + 30] {
            var p = x, m = x
            p[i] += h; m[i] -= h
            let numeric = (loss(p) - loss(m)) / Double(2 * h)
            XCTAssertEqual(Double(dx[i]), numeric, accuracy: 2e-2 * max(1, abs(numeric)), "dx[\(i)]")
        }
        for (tensor, i) in [(layer.query.weight, 5), (layer.value.bias, 3), (layer.intermediateDense.weight, 100), (layer.attentionNorm.gamma, 9)] {
            let grad = tensor.grad[i], v = tensor.value[i]
            tensor.value[i] = v + h; let lp = loss(x)
            tensor.value[i] = v - h; let lm = loss(x)
            tensor.value[i] = v
            let numeric = (lp - lm) / Double(2 * h)
            XCTAssertEqual(Double(grad), numeric, accuracy: 2e-2 * max(1, abs(numeric)), "\(tensor.key)[\(i)]")
        }
    }
}
