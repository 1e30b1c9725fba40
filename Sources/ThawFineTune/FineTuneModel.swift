import Foundation
import ThawHeads
import ThawKernels

/// The trainable top of a CNN fed with cached boundary maps [N, H, W, C] (NHWC):
/// - EfficientNet-Lite: MBConv blocks K+1…last, the head stage (conv_head, BN, ReLU6, pool) and a classifier —
///   or, with a `stem`, the whole network fed with images [N, H, W, 3];
/// - MobileNetV2: the same blocks under torchvision keys (features.K+1…17), features.18 as the head stage, `classifier.1`;
/// - ResNet: residual blocks of layer(K+1)…layer4, global average pooling and a classifier;
/// - ConvNeXt: stages K+1…3 (`TrainableConvNeXtTop`: downsampling, blocks, global mean, LayerNorm) and a classifier.
public final class FineTuneModel {
    /// Trained when EfficientNet-Lite fine-tuning starts at the input (`--from input`); then `blocks` start at block 0.
    public let stem: TrainableStem?
    public let blocks: [TrainableMBConv]
    /// The ResNet blocks (empty for EfficientNet-Lite).
    public let resNetBlocks: [TrainableResNetBlock]
    /// EfficientNet-Lite's head stage; nil for ResNet (its blocks' output is pooled directly).
    public let head: TrainableHeadStage?
    /// The trained ConvNeXt stages and head norm (nil for the other families).
    public let convNeXt: TrainableConvNeXtTop?
    public let classifier: TrainableClassifier
    let workspace = Workspace()
    /// The last `inferenceTop()`, reused until a weight changes.
    var cachedInferenceTop: FineTuneInferenceTop?

    public struct Saved {
        let stem: TrainableStem.Saved?
        let blocks: [TrainableMBConv.Saved]
        let resNet: [TrainableResNetBlock.Saved]
        let head: TrainableHeadStage.Saved?
        let convNeXt: TrainableConvNeXtTop.Saved?
        let pooledMap: (h: Int, w: Int, c: Int)   // map under the ResNet pool (zeros for Lite)
        let pooled: [Float]   // [N, features]
        let rows: Int
    }

    public init(stem: TrainableStem? = nil, blocks: [TrainableMBConv], head: TrainableHeadStage, classifier: TrainableClassifier) {
        if let stem, let first = blocks.first {
            precondition(stem.channels == first.spec.inChannels, "FineTuneModel: the stem outputs \(stem.channels) channels, \(first.prefix) takes \(first.spec.inChannels)")
        }
        precondition(!blocks.isEmpty || head.weight.torchShape[1] > 0, "FineTuneModel: needs a head")
        for (a, b) in zip(blocks, blocks.dropFirst()) {
            precondition(a.spec.outChannels == b.spec.inChannels, "FineTuneModel: \(a.prefix) outputs \(a.spec.outChannels) channels, \(b.prefix) takes \(b.spec.inChannels)")
        }
        precondition(classifier.inFeatures == head.headChannels, "FineTuneModel: classifier takes \(classifier.inFeatures) features, head gives \(head.headChannels)")
        self.stem = stem
        self.blocks = blocks
        self.resNetBlocks = []
        self.head = head
        self.convNeXt = nil
        self.classifier = classifier
    }

    /// A ResNet top: `resNetBlocks` (at least one), global average pooling, `classifier`.
    public init(resNetBlocks: [TrainableResNetBlock], classifier: TrainableClassifier) {
        precondition(!resNetBlocks.isEmpty, "FineTuneModel: a ResNet top needs at least one block")
        for (a, b) in zip(resNetBlocks, resNetBlocks.dropFirst()) {
            precondition(a.outChannels == b.inChannels,
                         "FineTuneModel: \(a.prefix) outputs \(a.outChannels) channels, \(b.prefix) takes \(b.inChannels)")
        }
        let last = resNetBlocks.last!
        precondition(classifier.inFeatures == last.outChannels,
                     "FineTuneModel: classifier takes \(classifier.inFeatures) features, \(last.prefix) gives \(last.outChannels)")
        self.stem = nil
        self.blocks = []
        self.resNetBlocks = resNetBlocks
        self.head = nil
        self.convNeXt = nil
        self.classifier = classifier
    }

    /// A ConvNeXt top: stages, global mean, head LayerNorm (`convNeXt`), then `classifier`.
    public init(convNeXt: TrainableConvNeXtTop, classifier: TrainableClassifier) {
        precondition(classifier.inFeatures == convNeXt.outputChannels,
                     "FineTuneModel: classifier takes \(classifier.inFeatures) features, the ConvNeXt stages give \(convNeXt.outputChannels)")
        self.stem = nil
        self.blocks = []
        self.resNetBlocks = []
        self.head = nil
        self.convNeXt = convNeXt
        self.classifier = classifier
    }

    /// Channels of the input: 3 (images) with a stem, else the cached maps' width.
    public var inputChannels: Int {
        if stem != nil { return 3 }
        if let b = resNetBlocks.first { return b.inChannels }
        if let convNeXt { return convNeXt.inputChannels }
        return blocks.first?.spec.inChannels ?? head!.weight.torchShape[1]
    }

    /// Checkpoint prefixes of the trained blocks, lowest first ("_blocks.12", "layer4.0", …).
    public var trainedBlockNames: [String] { blocks.map(\.prefix) + resNetBlocks.map(\.prefix) + (convNeXt?.groupNames ?? []) }

    /// Every tensor in checkpoint order: stem, blocks, head stage, classifier.
    public var tensors: [TrainableTensor] {
        (stem?.tensors ?? []) + blocks.flatMap(\.tensors) + resNetBlocks.flatMap(\.tensors) + (head?.tensors ?? [])
            + (convNeXt?.tensors ?? []) + classifier.tensors
    }

    /// The tensors the optimizer updates, each with its learning-rate multiplier: 1 for the head
    /// stage and the classifier, `layerDecay`^d for the block d places below the head (d = 1 for the last block;
    /// the stem is one place below block 0).
    public func trainableGroups(layerDecay: Float) -> [(tensor: TrainableTensor, lrScale: Float)] {
        var out: [(TrainableTensor, Float)] = []
        let blockTensors = (stem.map { [$0.tensors] } ?? []) + blocks.map(\.tensors) + resNetBlocks.map(\.tensors) + (convNeXt?.groups ?? [])
        for (i, t) in blockTensors.enumerated() {
            let depth = blockTensors.count - i
            let scale = Float(pow(Double(layerDecay), Double(depth)))
            out += t.filter(\.trainable).map { ($0, scale) }
        }
        out += ((head?.tensors ?? []) + (convNeXt?.headTensors ?? []) + classifier.tensors).filter(\.trainable).map { ($0, 1) }
        return out
    }

    public func zeroGrad() { for t in tensors where t.trainable { t.zeroGrad() } }

    /// logits [N, classes] of boundary maps x [N, H, W, C] (images [N, H, W, 3] with a stem).
    public func forward(_ x: [Float], batch n: Int, height h: Int, width w: Int, mode: BatchNormMode) -> (logits: [Float], saved: Saved) {
        workspace.reset()
        var cur = x, ch = h, cw = w
        var stemSaved: TrainableStem.Saved?
        if let stem {
            let (y, s) = stem.forward(x, batch: n, height: h, width: w, mode: mode, workspace: workspace)
            stemSaved = s
            cur = y; ch = s.oh; cw = s.ow
        }
        var saved: [TrainableMBConv.Saved] = []
        for b in blocks {
            let (y, s) = b.forward(cur, batch: n, height: ch, width: cw, mode: mode, workspace: workspace)
            saved.append(s)
            cur = y; ch = s.oh; cw = s.ow
        }
        var resSaved: [TrainableResNetBlock.Saved] = []
        for b in resNetBlocks {
            workspace.reset()
            let (y, s) = b.forward(cur, batch: n, height: ch, width: cw, mode: mode, workspace: workspace)
            resSaved.append(s)
            cur = y; ch = s.oh; cw = s.ow
        }
        let pooled: [Float], hs: TrainableHeadStage.Saved?, map: (h: Int, w: Int, c: Int)
        var cs: TrainableConvNeXtTop.Saved?
        if let convNeXt {
            (pooled, cs) = convNeXt.forward(cur, batch: n, height: ch, width: cw, workspace: workspace)
            hs = nil; map = (0, 0, 0)
        } else if let head {
            (pooled, hs) = head.forward(cur, batch: n, height: ch, width: cw, mode: mode, workspace: workspace)
            map = (0, 0, 0)
        } else {
            let c = resNetBlocks.last!.outChannels
            var p = [Float](repeating: 0, count: n * c)     // [N, C]
            cur.withUnsafeBufferPointer { xb in p.withUnsafeMutableBufferPointer { pb in
                Pooling.globalAvgPool(xb.baseAddress!, batch: n, height: ch, width: cw, channels: c, into: pb.baseAddress!)
            }}
            pooled = p; hs = nil; map = (ch, cw, c)
        }
        let logits = FineTuneProfile.time(.headPoolClassifier) { classifier.forward(pooled, rows: n) }
        return (logits, Saved(stem: stemSaved, blocks: saved, resNet: resSaved, head: hs, convNeXt: cs, pooledMap: map, pooled: pooled, rows: n))
    }

    /// Accumulates every gradient from dlogits [N, classes]. Returns d(boundary maps) when
    /// `inputGradient` (else [], skipping the lowest block's input gradient: the maps are frozen).
    /// With a stem, the stem's gradients accumulate too and [] is returned (images need no gradient).
    @discardableResult
    public func backward(_ dlogits: [Float], saved: Saved, inputGradient: Bool = false) -> [Float] {
        workspace.reset()
        let dpooled = FineTuneProfile.time(.headPoolClassifier) { classifier.backward(x: saved.pooled, dlogits: dlogits, rows: saved.rows) }
        var g: [Float]
        if let convNeXt, let cs = saved.convNeXt {
            return convNeXt.backward(dpooled, saved: cs, workspace: workspace, inputGradient: inputGradient)
        }
        if let head, let hs = saved.head {
            g = head.backward(dpooled, saved: hs, workspace: workspace)
        } else {
            let m = saved.pooledMap
            g = [Float](repeating: 0, count: saved.rows * m.h * m.w * m.c)   // [N, H, W, C]
            dpooled.withUnsafeBufferPointer { db in g.withUnsafeMutableBufferPointer { gb in
                Pooling.globalAvgPoolBackward(dy: db.baseAddress!, batch: saved.rows, height: m.h, width: m.w, channels: m.c,
                                              dx: gb.baseAddress!)
            }}
        }
        for (i, (b, s)) in zip(resNetBlocks, saved.resNet).enumerated().reversed() {
            workspace.reset()
            g = b.backward(g, saved: s, workspace: workspace, inputGradient: i > 0 || !blocks.isEmpty || inputGradient)
        }
        for (i, (b, s)) in zip(blocks, saved.blocks).enumerated().reversed() {
            workspace.reset()
            g = b.backward(g, saved: s, workspace: workspace, inputGradient: i > 0 || inputGradient || stem != nil)
        }
        if let stem, let s = saved.stem {
            workspace.reset()
            stem.backward(g, saved: s, workspace: workspace)
            return []
        }
        return g
    }

    /// Mean softmax cross-entropy of logits [N, classes] against labels, and d(loss)/d(logits).
    public static func crossEntropy(logits: [Float], labels: [Int32], classes: Int) -> (loss: Double, dlogits: [Float]) {
        let n = labels.count
        precondition(logits.count == n * classes, "crossEntropy: logits must be [\(n), \(classes)]")
        var d = [Float](repeating: 0, count: logits.count)
        var loss = 0.0
        logits.withUnsafeBufferPointer { lb in labels.withUnsafeBufferPointer { yb in d.withUnsafeMutableBufferPointer { db in
            SoftmaxCrossEntropy.forward(logits: lb.baseAddress!, labels: yb.baseAddress!, batch: n, heads: 1, classes: classes,
                                        losses: &loss, dlogits: db.baseAddress!)
        }}}
        return (loss, d)
    }
}
