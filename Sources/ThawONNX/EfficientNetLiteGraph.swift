import ThawBackbones
import ThawKernels
import ThawWeights

/// EfficientNet-Lite as ONNX, the same computation as `ThawBackbones.EfficientNetLite`:
/// every BatchNorm (eps 1e-3) folded into the convolution before it with the same arithmetic
/// (`BatchNorm.scaleShift`), ReLU6 as Clip(0, 6), TF "SAME" padding written out as explicit
/// asymmetric `pads` (strided convolutions on even sizes pad one more after than before, so the
/// graph is made for one image size), NCHW inside the graph.
enum EfficientNetLiteGraph {
    /// Emits `pixels` [N, S, S, 3] (NHWC, preprocessed) → … → the output of `cut`.
    /// Every parameter of the file is read and checked, as Thaw loads it, even past the cut.
    static func build(_ g: ONNXGraphBuilder, variant: Int, file: WeightFile, imageSize: Int,
                      pixels: String, cut: String) throws -> GraphTap {
        let store = try ParameterStore(file, rules: KeyRule.dataParallel + KeyRule.batchNormCounters)
        let specs = EfficientNetLiteSpec.blocks(variant: variant)
        let names = EfficientNetLite.cutPoints(variant: variant).map(\.name)
        let end = try cutIndex(cut, in: names, model: "EfficientNet-Lite\(variant)")
        var x = g.transpose(pixels, [0, 3, 1, 2], "pixels_nchw")      // [N, 3, S, S]
        var h = imageSize, w = imageSize

        /// conv + folded BN (+ ReLU6) over the current x; `emit` false only reads and checks weights.
        func conv(_ convKey: String, _ bnKey: String, out o: Int, in i: Int, kernel k: Int, stride s: Int,
                  depthwise: Bool, relu6: Bool, emit: Bool) throws {
            let weight = try store.take(convKey + ".weight", shape: [o, depthwise ? 1 : i, k, k])
            let bn = BatchNorm(gamma: try store.take(bnKey + ".weight", shape: [o]), beta: try store.take(bnKey + ".bias", shape: [o]),
                               runningMean: try store.take(bnKey + ".running_mean", shape: [o]),
                               runningVar: try store.take(bnKey + ".running_var", shape: [o]), eps: EfficientNetLiteSpec.batchNormEps)
            guard emit else { return }
            let (folded, bias) = foldBatchNorm(weight: weight, bn: bn)
            let p = Padding2D.same.resolve(height: h, width: w, kernel: (k, k), stride: (s, s))
            x = g.conv(x, weight: folded, bias: bias, outChannels: o, inPerGroup: depthwise ? 1 : i, kernel: k, stride: s,
                       pads: (p.top, p.left, p.bottom, p.right), group: depthwise ? o : 1, name: convKey)
            if relu6 { x = g.relu6(x, convKey + "/relu6") }
            h = (h + s - 1) / s; w = (w + s - 1) / s
        }

        let stemC = EfficientNetLiteSpec.stemChannels, headC = EfficientNetLiteSpec.headChannels
        try conv("_conv_stem", "_bn0", out: stemC, in: 3, kernel: 3, stride: 2, depthwise: false, relu6: true, emit: true)
        var c = stemC
        for (b, spec) in specs.enumerated() {
            let emit = b + 1 <= end, p = "_blocks.\(b)", input = x
            let mid = spec.midChannels
            if spec.expandRatio != 1 {
                try conv(p + "._expand_conv", p + "._bn0", out: mid, in: spec.inChannels, kernel: 1, stride: 1,
                         depthwise: false, relu6: true, emit: emit)
            }
            try conv(p + "._depthwise_conv", p + "._bn1", out: mid, in: mid, kernel: spec.kernel, stride: spec.stride,
                     depthwise: true, relu6: true, emit: emit)
            try conv(p + "._project_conv", p + "._bn2", out: spec.outChannels, in: mid, kernel: 1, stride: 1,
                     depthwise: false, relu6: false, emit: emit)
            if emit {
                if spec.hasSkip { x = g.add(x, input, p + "/skip") }
                c = spec.outChannels
            }
        }
        let last = specs[specs.count - 1].outChannels
        try conv("_conv_head", "_bn1", out: headC, in: last, kernel: 1, stride: 1, depthwise: false, relu6: true,
                 emit: end >= specs.count + 1)
        // As EfficientNetLite(variant:weightsPath:): the file's classifier width (a fine-tuned export's classes).
        let classes = file.tensors.first { $0.name.hasSuffix("_fc.weight") }?.shape.first ?? 1000
        let fcWeight = try store.take("_fc.weight", shape: [classes, headC])
        let fcBias = try store.take("_fc.bias", shape: [classes])
        try store.finish()

        if end <= specs.count { return GraphTap(value: x, layout: .map(channels: c, height: h, width: w)) }
        if end == specs.count + 1 { return GraphTap(value: x, layout: .map(channels: headC, height: h, width: w)) }
        let pooled = g.reduce("ReduceMean", x, axes: [2, 3], keepDims: false, "pool")   // [N, 1280]
        if end == specs.count + 2 { return GraphTap(value: pooled, layout: .vector(channels: headC)) }
        let logits = g.gemm(pooled, weight: fcWeight, bias: fcBias, out: classes, in: headC, name: "_fc")
        return GraphTap(value: logits, layout: .vector(channels: classes))
    }
}

/// BN(conv(x)) = conv'(x) + b' with w' = w · scale (per output channel) and
/// b' = (0 − mean) · scale + beta, exactly as `Conv2D.foldingBatchNorm` computes them.
/// weight [O, …] row-major.
func foldBatchNorm(weight: [Float], bn: BatchNorm) -> (weight: [Float], bias: [Float]) {
    let o = bn.channels, per = weight.count / o
    let scale = bn.scaleShift().scale
    var w = weight
    for i in 0..<w.count { w[i] *= scale[i / per] }
    let b = (0..<o).map { (0 - bn.mean[$0]) * scale[$0] + bn.beta[$0] }
    return (w, b)
}
