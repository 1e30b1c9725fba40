import ThawBackbones
import ThawKernels
import ThawWeights

/// torchvision's MobileNetV2 as ONNX, the same computation as `ThawBackbones.MobileNetV2`: every
/// BatchNorm (eps 1e-5) folded into the convolution before it (`foldBatchNorm`), ReLU6 as Clip(0, 6),
/// symmetric padding k/2 (so, unlike EfficientNet-Lite's TF SAME, the graph does not depend on the
/// image size beyond the declared input), NCHW inside the graph. Key names `features.N…`, `classifier.1`.
enum MobileNetV2Graph {
    /// Emits `pixels` [N, S, S, 3] (NHWC, preprocessed) → … → the output of `cut`.
    /// Every parameter of the file is read and checked, as Thaw loads it, even past the cut.
    static func build(_ g: ONNXGraphBuilder, file: WeightFile, imageSize: Int, pixels: String, cut: String) throws -> GraphTap {
        let store = try ParameterStore(file, rules: KeyRule.dataParallel + KeyRule.batchNormCounters)
        let specs = MobileNetV2Spec.blocks
        let names = MobileNetV2.cutPointNames.map(\.name)     // features.0 … features.18, pool, fc
        let end = try cutIndex(cut, in: names, model: "MobileNetV2")
        var x = g.transpose(pixels, [0, 3, 1, 2], "pixels_nchw")      // [N, 3, S, S]
        var h = imageSize, w = imageSize

        /// conv + folded BN (+ ReLU6) over the current x; `emit` false only reads and checks weights.
        func conv(_ weightKey: String, _ bnKey: String, out o: Int, in i: Int, kernel k: Int, stride s: Int,
                  depthwise: Bool, relu6: Bool, emit: Bool) throws {
            let weight = try store.take(weightKey, shape: [o, depthwise ? 1 : i, k, k])
            let bn = BatchNorm(gamma: try store.take(bnKey + ".weight", shape: [o]), beta: try store.take(bnKey + ".bias", shape: [o]),
                               runningMean: try store.take(bnKey + ".running_mean", shape: [o]),
                               runningVar: try store.take(bnKey + ".running_var", shape: [o]), eps: MobileNetV2Spec.batchNormEps)
            guard emit else { return }
            let (folded, bias) = foldBatchNorm(weight: weight, bn: bn)
            let p = k / 2, name = String(weightKey.dropLast(".weight".count))     // features.3.conv.1.0
            x = g.conv(x, weight: folded, bias: bias, outChannels: o, inPerGroup: depthwise ? 1 : i, kernel: k, stride: s,
                       pads: (p, p, p, p), group: depthwise ? o : 1, name: name)
            if relu6 { x = g.relu6(x, name + "/relu6") }
            h = (h + 2 * p - k) / s + 1; w = (w + 2 * p - k) / s + 1
        }

        let stemC = MobileNetV2Spec.stemChannels, headC = MobileNetV2Spec.headChannels
        try conv("features.0.0.weight", "features.0.1", out: stemC, in: 3, kernel: 3, stride: 2, depthwise: false, relu6: true, emit: true)
        var c = stemC
        for (b, spec) in specs.enumerated() {
            let emit = b + 1 <= end, p = "features.\(b + 1).conv", input = x
            let mid = spec.midChannels, expands = spec.expandRatio != 1
            if expands {
                try conv(p + ".0.0.weight", p + ".0.1", out: mid, in: spec.inChannels, kernel: 1, stride: 1,
                         depthwise: false, relu6: true, emit: emit)
            }
            let (dw, dwBN, proj, projBN) = expands ? ("1.0", "1.1", "2", "3") : ("0.0", "0.1", "1", "2")
            try conv("\(p).\(dw).weight", "\(p).\(dwBN)", out: mid, in: mid, kernel: spec.kernel, stride: spec.stride,
                     depthwise: true, relu6: true, emit: emit)
            try conv("\(p).\(proj).weight", "\(p).\(projBN)", out: spec.outChannels, in: mid, kernel: 1, stride: 1,
                     depthwise: false, relu6: false, emit: emit)
            if emit {
                if spec.hasSkip { x = g.add(x, input, "features.\(b + 1)/skip") }
                c = spec.outChannels
            }
        }
        let last = specs[specs.count - 1].outChannels, headKey = "features.\(specs.count + 1)"
        try conv(headKey + ".0.weight", headKey + ".1", out: headC, in: last, kernel: 1, stride: 1, depthwise: false, relu6: true,
                 emit: end >= specs.count + 1)
        // As MobileNetV2(weightsPath:): the file's classifier width (a fine-tuned export's classes).
        let classes = file.tensors.first { $0.name.hasSuffix("classifier.1.weight") }?.shape.first ?? 1000
        let fcWeight = try store.take("classifier.1.weight", shape: [classes, headC])
        let fcBias = try store.take("classifier.1.bias", shape: [classes])
        try store.finish()

        if end <= specs.count { return GraphTap(value: x, layout: .map(channels: c, height: h, width: w)) }
        if end == specs.count + 1 { return GraphTap(value: x, layout: .map(channels: headC, height: h, width: w)) }
        let pooled = g.reduce("ReduceMean", x, axes: [2, 3], keepDims: false, "pool")   // [N, 1280]
        if end == specs.count + 2 { return GraphTap(value: pooled, layout: .vector(channels: headC)) }
        let logits = g.gemm(pooled, weight: fcWeight, bias: fcBias, out: classes, in: headC, name: "classifier.1")
        return GraphTap(value: logits, layout: .vector(channels: classes))
    }
}
