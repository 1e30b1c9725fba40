import ThawBackbones
import ThawFineTune
import ThawHeads
import XCTest

/// MPNet layers 1–2 of the seeded small MPNet (relative position bias from the one shared table) +
/// masked mean pool + L2 + linear classifier, from its cached layer.0 states: logits, loss, every
/// gradient (the table's too, summed over both layers) and dx against torch float64
/// (`scripts/golden/finetune_mpnet.py`, whose reference matches transformers' MPNetModel). Rows of 140,
/// 90 and 7 tokens: relative distances past 128 (the far buckets 15 and 31) and padding keys.
final class MPNetGradientTests: XCTestCase {
    func makeModel(_ g: FineTuneGolden, trainRelativeBias: Bool) throws -> BertFineTuneModel {
        let c = g.meta["channels"] as! Int, heads = g.meta["heads"] as! Int, inter = g.meta["intermediate"] as! Int
        let classes = g.meta["classes"] as! Int, buckets = g.meta["buckets"] as! Int
        let layers = try (g.meta["trained_layers"] as! [Int]).map {
            try TrainableBertLayer(index: $0, channels: c, intermediate: inter, heads: heads, eps: Float(g.meta["eps"] as! Double),
                                   flavor: .mpnet, parameter: g.parameter)
        }
        let table = try g.parameter(EncoderFlavor.relativeAttentionBiasKey, [buckets, heads])
        let classifier = TrainableClassifier(inFeatures: c, classes: classes, weight: try g.parameter("_fc.weight", [classes, c]),
                                             bias: try g.parameter("_fc.bias", [classes]))
        return BertFineTuneModel(layers: layers, classifier: classifier, normalize: true,
                                 relativeBias: TrainableRelativeBias(table: table, buckets: buckets, heads: heads, trains: trainRelativeBias))
    }

    func testGradientsMatchTorchAutograd() throws {
        let g = try FineTuneGolden("mpnet_step")
        let model = try makeModel(g, trainRelativeBias: true)
        let counts = g.meta["counts"] as! [Int], labels = (g.meta["labels"] as! [Int]).map(Int32.init)
        let t = g.arrays["x"]!.shape[1], classes = g.meta["classes"] as! Int
        let (logits, saved) = model.forward(g.array("x"), counts: counts, length: t)
        assertClose(logits, g.array("logits"), tol: 1e-4, "logits")
        let (loss, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: classes)
        XCTAssertEqual(loss, Double(g.array("loss")[0]), accuracy: 1e-5)
        model.zeroGrad()
        let dx = model.backward(dlogits, saved: saved, inputGradient: true)
        // dx of real tokens (padding rows of the cached input get no gradient in Thaw, nor in torch: they feed only masked keys).
        assertClose(dx, g.array("dx"), tol: 1e-3, "dx")
        XCTAssertEqual(model.tensors.first?.key, EncoderFlavor.relativeAttentionBiasKey, "the trained table is a model tensor")
        for tensor in model.tensors {
            if tensor.key == "encoder.layer.1.attention.attn.k.bias" || tensor.key == "encoder.layer.2.attention.attn.k.bias" {
                // Exactly zero in exact arithmetic (softmax ignores a per-row constant); Thaw keeps it at 0.
                XCTAssertEqual(tensor.torchGrad.map { abs($0) }.max()!, 0, tensor.key)
                XCTAssertLessThan(g.array("grad." + tensor.key).map { abs($0) }.max()!, 1e-6, "torch: \(tensor.key)")
                continue
            }
            assertClose(tensor.torchGrad, g.array("grad." + tensor.key), tol: 1e-3, "grad \(tensor.key)")
        }
        XCTAssertEqual(model.tensors.count, g.keys.filter { $0.hasPrefix("param.") }.count, "every fixture parameter is a model tensor")
    }

    /// `thaw finetune`'s model: the table is used, frozen — not a tensor, no gradient — and every other
    /// gradient is the same as with it trained.
    func testFrozenTableIsUsedButNotTrained() throws {
        let g = try FineTuneGolden("mpnet_step")
        let model = try makeModel(g, trainRelativeBias: false)
        let counts = g.meta["counts"] as! [Int], labels = (g.meta["labels"] as! [Int]).map(Int32.init)
        let t = g.arrays["x"]!.shape[1], classes = g.meta["classes"] as! Int
        XCTAssertFalse(model.tensors.contains { $0.key == EncoderFlavor.relativeAttentionBiasKey })
        XCTAssertFalse(model.trainableGroups(layerDecay: 0.8).contains { $0.tensor.key == EncoderFlavor.relativeAttentionBiasKey })
        let (logits, saved) = model.forward(g.array("x"), counts: counts, length: t)
        assertClose(logits, g.array("logits"), tol: 1e-4, "logits with the frozen table")
        model.zeroGrad()
        model.backward(FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: classes).dlogits, saved: saved)
        XCTAssertEqual(model.relativeBias!.table.grad.map { abs($0) }.max()!, 0, "a frozen table gets no gradient")
        for key in ["encoder.layer.1.attention.attn.q.weight", "encoder.layer.2.output.dense.weight", "_fc.weight"] {
            let tensor = try XCTUnwrap(model.tensors.first { $0.key == key })
            assertClose(tensor.torchGrad, g.array("grad." + key), tol: 1e-3, "grad \(key)")
        }
    }

    /// Central differences (in Double, of the Float forward) of the loss with respect to table entries —
    /// near buckets, the far ones past distance 128 (15: keys before, 31: keys after) — through both
    /// trained layers, and to a few layer weights.
    func testTableGradientByFiniteDifferences() throws {
        let g = try FineTuneGolden("mpnet_step")
        let model = try makeModel(g, trainRelativeBias: true)
        let counts = g.meta["counts"] as! [Int], labels = (g.meta["labels"] as! [Int]).map(Int32.init)
        let t = g.arrays["x"]!.shape[1], classes = g.meta["classes"] as! Int, heads = g.meta["heads"] as! Int
        let x = g.array("x")
        func loss() -> Double {
            FineTuneModel.crossEntropy(logits: model.forward(x, counts: counts, length: t).logits, labels: labels, classes: classes).loss
        }
        let (logits, saved) = model.forward(x, counts: counts, length: t)
        model.zeroGrad()
        model.backward(FineTuneModel.crossEntropy(logits: logits, labels: labels, classes: classes).dlogits, saved: saved)
        let table = model.relativeBias!.table
        let h: Float = 1e-2
        var checked = 0
        for (bucket, head) in [(0, 0), (3, 1), (9, 2), (15, 3), (15, 0), (20, 1), (31, 2), (31, 3)] {
            let i = bucket * heads + head
            let grad = Double(table.grad[i]), v = table.value[i]
            table.value[i] = v + h; let lp = loss()
            table.value[i] = v - h; let lm = loss()
            table.value[i] = v
            let numeric = (lp - lm) / Double(2 * h)
            XCTAssertEqual(grad, numeric, accuracy: 2e-3 * max(1e-2, abs(numeric)) + 2e-5, "table[\(bucket), \(head)]")
            checked += abs(numeric) > 1e-5 ? 1 : 0
        }
        XCTAssertGreaterThanOrEqual(checked, 6, "most checked table entries have a gradient to compare")
        for (tensor, i) in [(model.layers[0].query.weight, 5), (model.layers[1].value.bias, 3), (model.layers[0].attentionNorm.gamma, 9)] {
            let grad = Double(tensor.grad[i]), v = tensor.value[i]
            tensor.value[i] = v + h; let lp = loss()
            tensor.value[i] = v - h; let lm = loss()
            tensor.value[i] = v
            let numeric = (lp - lm) / Double(2 * h)
            XCTAssertEqual(grad, numeric, accuracy: 2e-2 * max(1e-2, abs(numeric)) + 2e-5, "\(tensor.key)[\(i)]")
        }
    }
}
