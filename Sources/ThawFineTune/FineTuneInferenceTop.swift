import ThawKernels

/// A fine-tuned EfficientNet-Lite / MobileNetV2 top (blocks, head stage, classifier) frozen at its current
/// weights for evaluation: every BatchNorm on running statistics folded into the convolution before it, ReLU6,
/// bias and the skip in the 1×1 GEMMs' register epilogues (`FoldedPointwise`), the depthwise convolutions on the
/// inference kernel, and no activation kept for a backward. The 1×1 convolutions run over the whole chunk at once
/// (M = chunk · H · W rows): on the 7×7 maps of the top blocks the band-by-band inference blocks
/// (`EfficientNetBlock.forward`) re-stream each weight per image band and ran evaluation 1.5× slower than the
/// training forward. Built once per evaluation (`FineTuneModel.inferenceTop()`: the weights change every optimizer
/// step), then run chunk by chunk; logits equal the training forward in `.running` mode to float rounding.
final class FineTuneInferenceTop {
    struct Block {
        let expand: FoldedPointwise?   // in → mid, ReLU6; nil without expansion
        let depthwise: DepthwiseConv2D // mid → mid, stride s, BN folded, ReLU6
        let project: FoldedPointwise   // mid → out, BN folded
        let skip: Bool
        var mid: Int { depthwise.channels }
    }
    let blocks: [Block]
    let head: FoldedPointwise         // last block's width → head channels, BN folded, ReLU6
    let classifier: LinearParameters  // [classes, head channels]
    let inChannels: Int
    /// `FineTuneModel.weightVersions` when this was built.
    let versions: [Int]
    private let workspace = Workspace()

    init(blocks: [Block], head: FoldedPointwise, classifier: LinearParameters, inChannels: Int, versions: [Int]) {
        self.blocks = blocks
        self.head = head
        self.classifier = classifier
        self.inChannels = inChannels
        self.versions = versions
    }

    /// logits [n, classes] of maps x [n, h, w, inChannels]; the classifier runs on `classifierRows` rows at a time.
    func logits(_ x: [Float], batch n: Int, height h: Int, width w: Int, classifierRows: Int = .max) -> [Float] {
        precondition(x.count == n * h * w * inChannels, "FineTuneInferenceTop: maps must be [\(n), \(h), \(w), \(inChannels)], got \(x.count) floats")
        workspace.reset()
        // Sizes: the largest block input/output map, expanded map and depthwise output over the blocks.
        var largest = x.count, expanded = 0, depthwised = 0, sh = h, sw = w
        for b in blocks {
            let g = b.depthwise.geometry(height: sh, width: sw)
            if b.expand != nil { expanded = max(expanded, n * sh * sw * b.mid) }
            depthwised = max(depthwised, n * g.outPixels * b.mid)
            sh = g.outHeight; sw = g.outWidth
            largest = max(largest, n * sh * sw * b.project.outChannels)
        }
        var current = workspace.take(largest), next = workspace.take(largest)      // [n, H, W, C] ping-pong
        let e = workspace.take(expanded), d = workspace.take(depthwised)             // [n, H, W, mid], [n, OH, OW, mid]
        x.withUnsafeBufferPointer { current.update(from: $0.baseAddress!, count: x.count) }
        var ch = h, cw = w
        for b in blocks {
            var source = UnsafePointer(current)
            if let expand = b.expand {
                expand.forward(current, batch: n, height: ch, width: cw, residual: nil, into: e, workspace: workspace)
                source = UnsafePointer(e)
            }
            let g = b.depthwise.forward(source, batch: n, height: ch, width: cw, into: d)
            b.project.forward(d, batch: n, height: g.outHeight, width: g.outWidth, residual: b.skip ? UnsafePointer(current) : nil,
                              into: next, workspace: workspace)
            swap(&current, &next)
            ch = g.outHeight; cw = g.outWidth
        }
        let features = head.outChannels
        let headOut = workspace.take(n * ch * cw * features)                       // [n, H, W, head channels]
        head.forward(current, batch: n, height: ch, width: cw, residual: nil, into: headOut, workspace: workspace)
        let pooled = workspace.take(n * features)                                   // [n, head channels]
        Pooling.globalAvgPool(headOut, batch: n, height: ch, width: cw, channels: features, into: pooled)
        let k = classifier.outFeatures, step = max(1, classifierRows)
        var logits = [Float](repeating: 0, count: n * k)
        logits.withUnsafeMutableBufferPointer { y in
            for r0 in stride(from: 0, to: n, by: step) {
                Linear.forward(classifier, x: pooled + r0 * features, rows: min(step, n - r0), y: y.baseAddress! + r0 * k)
            }
        }
        return logits
    }
}

extension FineTuneModel {
    /// Every tensor's value version (optimizer steps, running-statistics updates and loads bump them).
    var weightVersions: [Int] { tensors.map(\.valueVersion) }

    /// The top frozen at its current weights, or nil where evaluation runs the training forward (ResNet, ConvNeXt,
    /// a trained stem). Reused while no weight changed.
    /// Whether `inferenceTop()` gives a top (EfficientNet-Lite and MobileNetV2 tops without a trained stem).
    var hasInferenceTop: Bool { stem == nil && resNetBlocks.isEmpty && convNeXt == nil && head != nil }

    func inferenceTop() -> FineTuneInferenceTop? {
        guard hasInferenceTop, let head else { return nil }
        let versions = weightVersions
        if let cached = cachedInferenceTop, cached.versions == versions { return cached }
        let parts = blocks.map { b in
            let p = b.inferenceParts()
            return FineTuneInferenceTop.Block(expand: p.expand, depthwise: p.depthwise, project: p.project, skip: b.spec.hasSkip)
        }
        let top = FineTuneInferenceTop(blocks: parts, head: head.inferenceConv(), classifier: classifier.parameters,
                                       inChannels: inputChannels, versions: versions)
        cachedInferenceTop = top
        return top
    }
}
