import ThawBackbones
import ThawCore
import ThawFineTune
import ThawKernels
import XCTest

/// The trainable ConvNeXt top (stages K…3, head norm, classifier) against torch float64 autograd
/// (`scripts/golden/convnext_finetune.py`): logits, loss, the input gradient and every parameter gradient, in the
/// timm layout from `stages.1` maps (odd sizes: the downsamplings floor) and the torchvision layout from the stem;
/// then central differences of the loss on the same models.
final class ConvNeXtTopGradientTests: XCTestCase {
    func testTimmFromStageOneMatchesTorch() throws { try check("convnext_top_timm") }
    func testTorchvisionFromStemMatchesTorch() throws { try check("convnext_top_tv_stem") }

    struct Case {
        let model: FineTuneModel
        let x: [Float], labels: [Int32]
        let n: Int, h: Int, w: Int, classes: Int
    }

    func load(_ name: String) throws -> (FineTuneGolden, Case) {
        let g = try FineTuneGolden(name)
        let layout = try XCTUnwrap(ConvNeXtKeyLayout(rawValue: g.meta["layout"] as! String))
        let shapes = g.meta["shapes"] as! [String: [Int]]
        let top = try TrainableConvNeXtTop(firstStage: g.meta["first_stage"] as! Int, layout: layout, file: name,
                                           shape: { shapes[$0] }, parameters: g.parameter)
        let classes = g.meta["classes"] as! Int, key = layout.classifier
        let fc = TrainableClassifier(inFeatures: top.outputChannels, classes: classes, weight: g.array("param.\(key).weight"),
                                     bias: g.array("param.\(key).bias"), keyPrefix: key)
        let c = Case(model: FineTuneModel(convNeXt: top, classifier: fc), x: g.array("x"), labels: g.array("labels").map { Int32($0) },
                     n: g.meta["batch"] as! Int, h: g.meta["height"] as! Int, w: g.meta["width"] as! Int, classes: classes)
        return (g, c)
    }

    func check(_ name: String) throws {
        let (g, c) = try load(name)
        let model = c.model
        XCTAssertEqual(model.inputChannels, g.arrays["x"]!.shape[3])
        model.zeroGrad()
        let (logits, saved) = model.forward(c.x, batch: c.n, height: c.h, width: c.w, mode: .running)
        assertClose(logits, g.array("logits"), tol: 1e-4, "\(name) logits")
        let (loss, dlogits) = FineTuneModel.crossEntropy(logits: logits, labels: c.labels, classes: c.classes)
        let expected = g.meta["loss"] as! Double
        XCTAssertEqual(loss, expected, accuracy: 1e-5 * abs(expected), "\(name) loss")
        let dx = model.backward(dlogits, saved: saved, inputGradient: true)
        assertClose(dx, g.array("dx"), tol: 1e-3, "\(name) dx")
        var checked = 0, worst = (0.0, "")
        for t in model.tensors {
            XCTAssertTrue(t.trainable)
            assertClose(t.torchGrad, g.array("grad." + t.key), tol: 1e-3, "\(name) grad \(t.key)")
            let e = worstRelative(t.torchGrad, g.array("grad." + t.key))
            if e > worst.0 { worst = (e, t.key) }
            checked += 1
        }
        print("\(name): worst relative error logits \(worstRelative(logits, g.array("logits"))), dx \(worstRelative(dx, g.array("dx"))), "
              + "parameter gradients \(worst.0) (\(worst.1))")
        XCTAssertEqual(checked, g.keys.filter { $0.hasPrefix("param.") }.count, "every trained fixture parameter is a model tensor")
        // Without the input gradient the parameter gradients are the same.
        let before = model.tensors.map(\.grad)
        model.zeroGrad()
        XCTAssertEqual(model.backward(dlogits, saved: saved), [])
        for (t, b) in zip(model.tensors, before) { assertClose(t.grad, b, tol: 1e-6, "\(name) \(t.key) without dx") }
    }

    /// Layer decay: each downsampling layer and block is one group below the next; head norm and classifier at 1.
    func testLayerDecayGroupsAndNames() throws {
        let (_, c) = try load("convnext_top_timm")
        XCTAssertEqual(c.model.trainedBlockNames, ["stages.2.downsample.0", "stages.2.blocks.0", "stages.2.blocks.1",
                                                   "stages.3.downsample.0", "stages.3.blocks.0"])
        let groups = c.model.trainableGroups(layerDecay: 0.5)
        XCTAssertEqual(groups.count, c.model.tensors.count)
        let scale = Dictionary(uniqueKeysWithValues: groups.map { ($0.tensor.key, $0.lrScale) })
        XCTAssertEqual(scale["stages.2.downsample.1.weight"], 1 / 32)
        XCTAssertEqual(scale["stages.3.blocks.0.gamma"], 0.5)
        XCTAssertEqual(scale["head.norm.weight"], 1)
        XCTAssertEqual(scale["head.fc.bias"], 1)
    }

    func testFiniteDifferencesTimm() throws { try finiteDifferences("convnext_top_timm") }
    func testFiniteDifferencesTorchvisionFromStem() throws { try finiteDifferences("convnext_top_tv_stem") }

    /// Central differences of the mean cross-entropy against backward, on a few entries of every tensor and of x.
    func finiteDifferences(_ name: String) throws {
        let (_, c) = try load(name)
        let model = c.model
        var x = c.x
        func loss() -> Double {
            let logits = model.forward(x, batch: c.n, height: c.h, width: c.w, mode: .running).logits
            return FineTuneModel.crossEntropy(logits: logits, labels: c.labels, classes: c.classes).loss
        }
        model.zeroGrad()
        let (logits, saved) = model.forward(x, batch: c.n, height: c.h, width: c.w, mode: .running)
        let dx = model.backward(FineTuneModel.crossEntropy(logits: logits, labels: c.labels, classes: c.classes).dlogits,
                                saved: saved, inputGradient: true)
        func numeric(_ get: () -> Float, _ set: (Float) -> Void) -> Double { centralDifference(eps: 1e-2, get, set, loss) }
        var compared = 0
        func compare(_ analytic: Float, _ num: Double, _ what: String) {
            XCTAssertEqual(Double(analytic), num, accuracy: 2e-3 + 2e-2 * abs(num), what)
            compared += 1
        }
        var rng = SplitMix64(seed: 5)
        for _ in 0..<12 {
            let i = Int(rng.next() % UInt64(x.count))
            compare(dx[i], numeric({ x[i] }, { x[i] = $0 }), "\(name) dx[\(i)]")
        }
        for t in model.tensors {
            for _ in 0..<3 {
                let i = Int(rng.next() % UInt64(t.count))
                compare(t.grad[i], numeric({ t.value[i] }, { t.value[i] = $0 }), "\(name) \(t.key)[\(i)]")
            }
        }
        XCTAssertEqual(compared, 12 + 3 * model.tensors.count)
    }
}

/// max |a − b| / max(|b|, 0.05 · max|b|): the measure `assertClose` bounds, for printing.
func worstRelative(_ a: [Float], _ b: [Float], floor: Double = 0.05) -> Double {
    let scale = b.reduce(0.0) { max($0, abs(Double($1))) }
    return zip(a, b).reduce(0.0) { max($0, abs(Double($1.0) - Double($1.1)) / max(abs(Double($1.1)), floor * scale, 1e-12)) }
}
