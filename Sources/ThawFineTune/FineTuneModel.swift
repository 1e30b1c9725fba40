import Foundation
import ThawHeads
import ThawKernels

/// The trainable top of an EfficientNet-Lite: blocks K+1…last, the head stage and a linear
/// classifier, fed with cached boundary maps [N, H, W, C] (NHWC) of block K.
public final class FineTuneModel {
    public let blocks: [TrainableMBConv]
    public let head: TrainableHeadStage
    public let classifier: TrainableClassifier
    let workspace = Workspace()

    public struct Saved {
        let blocks: [TrainableMBConv.Saved]
        let head: TrainableHeadStage.Saved
        let pooled: [Float]   // [N, head]
        let rows: Int
    }

    public init(blocks: [TrainableMBConv], head: TrainableHeadStage, classifier: TrainableClassifier) {
        precondition(!blocks.isEmpty || head.weight.torchShape[1] > 0, "FineTuneModel: needs a head")
        for (a, b) in zip(blocks, blocks.dropFirst()) {
            precondition(a.spec.outChannels == b.spec.inChannels, "FineTuneModel: \(a.prefix) outputs \(a.spec.outChannels) channels, \(b.prefix) takes \(b.spec.inChannels)")
        }
        precondition(classifier.inFeatures == head.headChannels, "FineTuneModel: classifier takes \(classifier.inFeatures) features, head gives \(head.headChannels)")
        self.blocks = blocks
        self.head = head
        self.classifier = classifier
    }

    /// Every tensor in checkpoint order: blocks, head stage, classifier.
    public var tensors: [TrainableTensor] { blocks.flatMap(\.tensors) + head.tensors + classifier.tensors }

    /// The tensors the optimizer updates, each with its learning-rate multiplier: 1 for the head
    /// stage and the classifier, `layerDecay`^d for the block d places below the head (d = 1 for the last block).
    public func trainableGroups(layerDecay: Float) -> [(tensor: TrainableTensor, lrScale: Float)] {
        var out: [(TrainableTensor, Float)] = []
        for (i, b) in blocks.enumerated() {
            let depth = blocks.count - i
            let scale = Float(pow(Double(layerDecay), Double(depth)))
            out += b.tensors.filter(\.trainable).map { ($0, scale) }
        }
        out += (head.tensors + classifier.tensors).filter(\.trainable).map { ($0, 1) }
        return out
    }

    public func zeroGrad() { for t in tensors where t.trainable { t.zeroGrad() } }

    /// logits [N, classes] of boundary maps x [N, H, W, C].
    public func forward(_ x: [Float], batch n: Int, height h: Int, width w: Int, mode: BatchNormMode) -> (logits: [Float], saved: Saved) {
        workspace.reset()
        var cur = x, ch = h, cw = w
        var saved: [TrainableMBConv.Saved] = []
        for b in blocks {
            let (y, s) = b.forward(cur, batch: n, height: ch, width: cw, mode: mode, workspace: workspace)
            saved.append(s)
            cur = y; ch = s.oh; cw = s.ow
        }
        let (pooled, hs) = head.forward(cur, batch: n, height: ch, width: cw, mode: mode, workspace: workspace)
        let logits = classifier.forward(pooled, rows: n)
        return (logits, Saved(blocks: saved, head: hs, pooled: pooled, rows: n))
    }

    /// Accumulates every gradient from dlogits [N, classes]. Returns d(boundary maps) when
    /// `inputGradient` (else [], skipping the lowest block's input gradient: the maps are frozen).
    @discardableResult
    public func backward(_ dlogits: [Float], saved: Saved, inputGradient: Bool = false) -> [Float] {
        workspace.reset()
        let dpooled = classifier.backward(x: saved.pooled, dlogits: dlogits, rows: saved.rows)
        var g = head.backward(dpooled, saved: saved.head, workspace: workspace)
        for (i, (b, s)) in zip(blocks, saved.blocks).enumerated().reversed() {
            workspace.reset()
            g = b.backward(g, saved: s, workspace: workspace, inputGradient: i > 0 || inputGradient)
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
