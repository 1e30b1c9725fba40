import ThawBackbones
import ThawWeights

/// ConvNeXt as ONNX, the same computation as `ThawBackbones.ConvNeXt` (timm, torchvision or facebookresearch keys;
/// widths and depths read from the tensors): convolutions over NCHW, every LayerNorm over channels as
/// Transpose → LayerNormalization (axis −1, eps 1e-6) → Transpose, and each block's MLP channels-last:
///
///     dwconv 7×7 (group C) → NHWC → LN → fc1 → GELU (erf) → fc2 · γ (folded, as Thaw does) → NCHW → + x
///
/// Stem conv 4×4 s4 + LN; stage i ≥ 1 opens with LN + conv 2×2 s2; head: mean over H×W → LN (`pool`) → `fc`.
enum ConvNeXtGraph {
    /// Emits `pixels` [N, S, S, 3] → … → the output of `cut` (`stem`, `stages.0`…`stages.3`, `pool`, `fc` when the
    /// file has a classifier). Every tensor is read and checked, as Thaw loads it.
    static func build(_ g: ONNXGraphBuilder, file: WeightFile, imageSize: Int, pixels: String, cut: String) throws -> GraphTap {
        let store = try ParameterStore(file, rules: KeyRule.dataParallel + KeyRule.checkpointWrappers)
        let layout = try ConvNeXtKeyLayout.detect(Set(store.names), path: file.path)
        let hasFC = store.contains(layout.classifier + ".weight")
        let names = ["stem"] + (0..<4).map { "stages.\($0)" } + ["pool"] + (hasFC ? ["fc"] : [])
        let end = try cutIndex(cut, in: names, model: "ConvNeXt")
        func shape(_ key: String) throws -> [Int] {
            guard let s = store.shape(of: key), !s.isEmpty else {
                throw ONNXError("\(file.path): no tensor \(key) in this \(layout.rawValue) ConvNeXt checkpoint", fix: "pass a four-stage ConvNeXt checkpoint")
            }
            return s
        }
        /// LayerNorm over the channels of an NCHW map.
        func channelNorm(_ x: String, _ key: String, _ c: Int) throws -> String {
            let y = g.layerNorm(g.transpose(x, [0, 2, 3, 1], key + "/nhwc"), gamma: try store.take(key + ".weight", shape: [c]),
                                beta: try store.take(key + ".bias", shape: [c]), eps: ConvNeXt.eps, name: key)
            return g.transpose(y, [0, 3, 1, 2], key + "/nchw")
        }
        func conv(_ x: String, _ key: String, out o: Int, in i: Int, kernel k: Int) throws -> String {
            g.conv(x, weight: try store.take(key + ".weight", shape: [o, i, k, k]), bias: try store.take(key + ".bias", shape: [o]),
                   outChannels: o, inPerGroup: i, kernel: k, stride: k, pads: (0, 0, 0, 0), name: key)
        }

        var x = g.transpose(pixels, [0, 3, 1, 2], "pixels_nchw")       // [N, 3, S, S]
        var c = try shape(layout.stemConv + ".weight")[0]
        var h = imageSize / 4, w = imageSize / 4
        x = try channelNorm(try conv(x, layout.stemConv, out: c, in: 3, kernel: 4), layout.stemNorm, c)
        let parts = layout.blockParts
        for i in 0..<4 where i < end {
            if i > 0 {
                let keys = layout.downsample(i), out = try shape(keys.conv + ".weight")[0]
                x = try conv(try channelNorm(x, keys.norm, c), keys.conv, out: out, in: c, kernel: 2)
                c = out; h /= 2; w /= 2
            }
            var j = 0
            while store.contains(layout.blockPrefix(stage: i, block: j) + parts.dw + ".weight") {
                let p = layout.blockPrefix(stage: i, block: j), hidden = try shape(p + parts.fc1 + ".weight")[0]
                let dw = g.conv(x, weight: try store.take(p + parts.dw + ".weight", shape: [c, 1, 7, 7]),
                                bias: try store.take(p + parts.dw + ".bias", shape: [c]), outChannels: c, inPerGroup: 1, kernel: 7,
                                stride: 1, pads: (3, 3, 3, 3), group: c, name: p + parts.dw)
                var y = g.layerNorm(g.transpose(dw, [0, 2, 3, 1], p + "nhwc"), gamma: try store.take(p + parts.norm + ".weight", shape: [c]),
                                    beta: try store.take(p + parts.norm + ".bias", shape: [c]), eps: ConvNeXt.eps, name: p + parts.norm)
                y = g.gelu(g.linear(y, weight: try store.take(p + parts.fc1 + ".weight", shape: [hidden, c]),
                                    bias: try store.take(p + parts.fc1 + ".bias", shape: [hidden]), out: hidden, in: c, name: p + parts.fc1),
                           p + "gelu")
                let gamma = try store.take(p + parts.scale, shape: layout.layerScaleShape(channels: c))
                var fc2 = try store.take(p + parts.fc2 + ".weight", shape: [c, hidden])
                var fc2Bias = try store.take(p + parts.fc2 + ".bias", shape: [c])
                for o in 0..<c {
                    for k in 0..<hidden { fc2[o * hidden + k] *= gamma[o] }
                    fc2Bias[o] *= gamma[o]
                }
                y = g.linear(y, weight: fc2, bias: fc2Bias, out: c, in: hidden, name: p + parts.fc2)
                x = g.add(x, g.transpose(y, [0, 3, 1, 2], p + "nchw"), p + "residual")
                j += 1
            }
            guard j > 0 else {
                throw ONNXError("\(file.path): stage \(i) has no blocks", fix: "pass a four-stage ConvNeXt checkpoint")
            }
        }
        if end <= 4 {
            // Unused tensors are fine when the graph stops early: Thaw's loader has already checked the file.
            return GraphTap(value: x, layout: .map(channels: c, height: h, width: w))
        }
        let mean = g.reduce("ReduceMean", x, axes: [2, 3], keepDims: false, "pool/mean")   // [N, C]
        let pooled = g.layerNorm(mean, gamma: try store.take(layout.headNorm + ".weight", shape: [c]),
                                 beta: try store.take(layout.headNorm + ".bias", shape: [c]), eps: ConvNeXt.eps, name: "pool")
        var fc: (weight: [Float], bias: [Float], classes: Int)?
        if hasFC {
            let classes = try shape(layout.classifier + ".weight")[0]
            fc = (try store.take(layout.classifier + ".weight", shape: [classes, c]), try store.take(layout.classifier + ".bias", shape: [classes]), classes)
        }
        try store.finish()
        if end == 5 { return GraphTap(value: pooled, layout: .vector(channels: c)) }
        let logits = g.gemm(pooled, weight: fc!.weight, bias: fc!.bias, out: fc!.classes, in: c, name: "fc")
        return GraphTap(value: logits, layout: .vector(channels: fc!.classes))
    }
}
