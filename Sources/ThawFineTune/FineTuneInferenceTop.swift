import ThawBackbones
import ThawKernels

/// A fine-tuned EfficientNet-Lite / MobileNetV2 top (blocks, head stage, classifier) frozen at its current
/// weights for evaluation: every BatchNorm on running statistics folded into the convolution before it and the
/// blocks run by the inference engine (`EfficientNetBlock.forward`: fused bands, packed AVX-512 1×1 kernels),
/// with no activation kept for a backward. Built once per evaluation (`FineTuneModel.inferenceTop()`: the
/// weights change every optimizer step), then run chunk by chunk; logits equal the training forward in
/// `.running` mode to float rounding.
final class FineTuneInferenceTop {
    let blocks: [EfficientNetBlock]
    let head: Conv2D                  // last block's width → head channels, 1×1, BN folded, ReLU6
    let packedHead: PackedPointwise   // `head` packed (few rows: all cores on the AVX-512 kernel)
    let classifier: LinearParameters  // [classes, head channels]
    /// `FineTuneModel.weightVersions` when this was built.
    let versions: [Int]
    private let workspace = Workspace()

    init(blocks: [EfficientNetBlock], head: Conv2D, classifier: LinearParameters, versions: [Int]) {
        self.blocks = blocks
        self.head = head
        packedHead = PackedPointwise(head)
        self.classifier = classifier
        self.versions = versions
    }

    /// logits [n, classes] of maps x [n, h, w, C] (the first block's input width).
    func logits(_ x: [Float], batch n: Int, height h: Int, width w: Int) -> [Float] {
        let inChannels = blocks.first?.spec.inChannels ?? head.shape.inChannels
        precondition(x.count == n * h * w * inChannels, "FineTuneInferenceTop: maps must be [\(n), \(h), \(w), \(inChannels)], got \(x.count) floats")
        workspace.reset()
        // Ping-pong buffers sized for the largest map, one block scratch.
        var largest = x.count, scratch = 0, sh = h, sw = w
        for b in blocks {
            scratch = max(scratch, b.scratchCount(batch: n, height: sh, width: sw))
            sh = b.outputSize(sh); sw = b.outputSize(sw)
            largest = max(largest, n * sh * sw * max(b.spec.outChannels, 1))
        }
        largest = max(largest, n * sh * sw * head.shape.outChannels)
        var current = workspace.take(largest), next = workspace.take(largest)
        let blockScratch = workspace.take(scratch)
        x.withUnsafeBufferPointer { current.update(from: $0.baseAddress!, count: x.count) }
        var ch = h, cw = w
        for b in blocks {
            (ch, cw) = b.forward(current, batch: n, height: ch, width: cw, into: next, scratch: blockScratch, workspace: workspace)
            swap(&current, &next)
        }
        let rows = n * ch * cw, features = head.shape.outChannels
        if !packedHead.forwardParallel(current, rows: rows, into: next) {
            head.forward(current, batch: n, height: ch, width: cw, into: next, workspace: workspace)
        }
        let pooled = workspace.take(n * features)                      // [n, head channels]
        Pooling.globalAvgPool(next, batch: n, height: ch, width: cw, channels: features, into: pooled)
        var logits = [Float](repeating: 0, count: n * classifier.outFeatures)
        logits.withUnsafeMutableBufferPointer { Linear.forward(classifier, x: pooled, rows: n, y: $0.baseAddress!) }
        return logits
    }
}

extension FineTuneModel {
    /// Every tensor's value version (optimizer steps, running-statistics updates and loads bump them).
    var weightVersions: [Int] { tensors.map(\.valueVersion) }

    /// The top frozen at its current weights, or nil where evaluation runs the training forward (ResNet, ConvNeXt,
    /// a trained stem). Reused while no weight changed.
    func inferenceTop() -> FineTuneInferenceTop? {
        guard stem == nil, resNetBlocks.isEmpty, convNeXt == nil, let head else { return nil }
        let versions = weightVersions
        if let cached = cachedInferenceTop, cached.versions == versions { return cached }
        let top = FineTuneInferenceTop(blocks: blocks.map { $0.inferenceBlock() }, head: head.inferenceConv(),
                                       classifier: classifier.parameters, versions: versions)
        cachedInferenceTop = top
        return top
    }
}
