import Foundation
import ThawHeads
import ThawKernels

/// The trainable top of an EfficientNet-Lite: blocks K+1…last, the head stage and a linear
/// classifier, fed with cached boundary maps [N, H, W, C] (NHWC) of block K — or, with a `stem`,
/// the whole network fed with images [N, H, W, 3].
public final class FineTuneModel {
    /// Trained when fine-tuning starts at the input (`--from input`); then `blocks` start at block 0.
    public let stem: TrainableStem?
    public let blocks: [TrainableMBConv]
    public let head: TrainableHeadStage
    public let classifier: TrainableClassifier
    let workspace = Workspace()

    public struct Saved {
        let stem: TrainableStem.Saved?
        let blocks: [TrainableMBConv.Saved]
        let head: TrainableHeadStage.Saved
        let pooled: [Float]   // [N, head]
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
        self.head = head
        self.classifier = classifier
    }

    /// Every tensor in checkpoint order: stem, blocks, head stage, classifier.
    public var tensors: [TrainableTensor] {
        (stem?.tensors ?? []) + blocks.flatMap(\.tensors) + head.tensors + classifier.tensors
    }

    /// Channels of the input maps: 3 (images) with a stem, else the first block's (or the head's) input width.
    public var inputChannels: Int { stem != nil ? 3 : blocks.first?.spec.inChannels ?? head.weight.torchShape[1] }

    /// The tensors the optimizer updates, each with its learning-rate multiplier: 1 for the head
    /// stage and the classifier, `layerDecay`^d for the block d places below the head (d = 1 for the last block;
    /// the stem is one place below block 0).
    public func trainableGroups(layerDecay: Float) -> [(tensor: TrainableTensor, lrScale: Float)] {
        var out: [(TrainableTensor, Float)] = []
        if let stem {
            let scale = Float(pow(Double(layerDecay), Double(blocks.count + 1)))
            out += stem.tensors.filter(\.trainable).map { ($0, scale) }
        }
        for (i, b) in blocks.enumerated() {
            let depth = blocks.count - i
            let scale = Float(pow(Double(layerDecay), Double(depth)))
            out += b.tensors.filter(\.trainable).map { ($0, scale) }
        }
        out += (head.tensors + classifier.tensors).filter(\.trainable).map { ($0, 1) }
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
        let (pooled, hs) = head.forward(cur, batch: n, height: ch, width: cw, mode: mode, workspace: workspace)
        let logits = classifier.forward(pooled, rows: n)
        return (logits, Saved(stem: stemSaved, blocks: saved, head: hs, pooled: pooled, rows: n))
    }

    /// Accumulates every gradient from dlogits [N, classes]. Returns d(boundary maps) when
    /// `inputGradient` (else [], skipping the lowest block's input gradient: the maps are frozen).
    /// With a stem, the stem's gradients accumulate too and [] is returned (images need no gradient).
    @discardableResult
    public func backward(_ dlogits: [Float], saved: Saved, inputGradient: Bool = false) -> [Float] {
        workspace.reset()
        let dpooled = classifier.backward(x: saved.pooled, dlogits: dlogits, rows: saved.rows)
        var g = head.backward(dpooled, saved: saved.head, workspace: workspace)
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
