import ThawBackbones
import ThawKernels
import ThawWeights

/// torchvision ResNet as ONNX, the same computation as `ThawBackbones.ResNet`: BatchNorm
/// (eps 1e-5) folded into every convolution, ReLU after all but the last conv of a block and
/// after the residual add, stem max-pool 3×3 stride 2 pad 1, NCHW inside the graph.
enum ResNetGraph {
    static let bnEps: Float = 1e-5

    /// Emits `pixels` [N, S, S, 3] → … → the output of `cut` (`stem`, `layer1`…`layer4`, `pool`,
    /// `fc` when the file has a classifier). Every parameter is read and checked, as Thaw loads it.
    static func build(_ g: ONNXGraphBuilder, depth: Int, file: WeightFile, imageSize: Int,
                      pixels: String, cut: String) throws -> GraphTap {
        guard let variant = ResNet.variants[depth] else {
            throw ONNXError("ResNet-\(depth) is not a torchvision depth", fix: "use one of \(ResNet.variants.keys.sorted().map { "ResNet-\($0)" })")
        }
        let store = try ParameterStore(file, rules: KeyRule.dataParallel + KeyRule.checkpointWrappers + KeyRule.batchNormCounters)
        let hasFC = store.contains("fc.weight")
        let names = ResNet.cutPoints(classifier: hasFC).map(\.name)
        let end = try cutIndex(cut, in: names, model: "ResNet-\(depth)")
        var x = g.transpose(pixels, [0, 3, 1, 2], "pixels_nchw")      // [N, 3, S, S]
        var h = imageSize, w = imageSize, channels = 3

        /// Folded conv over `input` (of size ih×iw); nil when `emit` is false (weights still checked).
        func conv(_ input: String, _ convKey: String, _ bnKey: String, out o: Int, in i: Int, kernel k: Int, stride s: Int,
                  pad p: Int, relu: Bool, emit: Bool) throws -> String? {
            let weight = try store.take(convKey + ".weight", shape: [o, i, k, k])
            let bn = BatchNorm(gamma: try store.take(bnKey + ".weight", shape: [o]), beta: try store.take(bnKey + ".bias", shape: [o]),
                               runningMean: try store.take(bnKey + ".running_mean", shape: [o]),
                               runningVar: try store.take(bnKey + ".running_var", shape: [o]), eps: bnEps)
            guard emit else { return nil }
            let (folded, bias) = foldBatchNorm(weight: weight, bn: bn)
            let y = g.conv(input, weight: folded, bias: bias, outChannels: o, inPerGroup: i, kernel: k, stride: s,
                           pads: (p, p, p, p), name: convKey)
            return relu ? g.relu(y, convKey + "/relu") : y
        }
        func down(_ size: Int, _ k: Int, _ s: Int, _ p: Int) -> Int { (size + 2 * p - k) / s + 1 }

        x = try conv(x, "conv1", "bn1", out: 64, in: 3, kernel: 7, stride: 2, pad: 3, relu: true, emit: true)!
        h = down(h, 7, 2, 3); w = down(w, 7, 2, 3)
        x = g.op("MaxPool", [x], "maxpool", ("kernel_shape", .ints([3, 3])), ("strides", .ints([2, 2])), ("pads", .ints([1, 1, 1, 1])))
        h = down(h, 3, 2, 1); w = down(w, 3, 2, 1); channels = 64

        for (s, count) in variant.blocks.enumerated() {
            let width = 64 << s, out = variant.bottleneck ? width * 4 : width
            let emit = s + 1 <= end
            for b in 0..<count {
                let p = "layer\(s + 1).\(b)", stride = b == 0 && s > 0 ? 2 : 1
                let input = x
                var y: String? = x
                if variant.bottleneck {
                    y = try conv(x, p + ".conv1", p + ".bn1", out: width, in: channels, kernel: 1, stride: 1, pad: 0, relu: true, emit: emit)
                    y = try conv(y ?? x, p + ".conv2", p + ".bn2", out: width, in: width, kernel: 3, stride: stride, pad: 1, relu: true, emit: emit)
                    y = try conv(y ?? x, p + ".conv3", p + ".bn3", out: out, in: width, kernel: 1, stride: 1, pad: 0, relu: false, emit: emit)
                } else {
                    y = try conv(x, p + ".conv1", p + ".bn1", out: width, in: channels, kernel: 3, stride: stride, pad: 1, relu: true, emit: emit)
                    y = try conv(y ?? x, p + ".conv2", p + ".bn2", out: out, in: width, kernel: 3, stride: 1, pad: 1, relu: false, emit: emit)
                }
                var identity: String? = input
                if stride != 1 || channels != out {
                    identity = try conv(input, p + ".downsample.0", p + ".downsample.1", out: out, in: channels, kernel: 1,
                                        stride: stride, pad: 0, relu: false, emit: emit)
                }
                channels = out
                if emit, let y, let identity {
                    x = g.relu(g.add(y, identity, p + "/residual"), p + "/relu")
                    h = (h - 1) / stride + 1; w = (w - 1) / stride + 1
                }
            }
        }
        var fc: (weight: [Float], bias: [Float], classes: Int)? = nil
        if hasFC {
            let shape = file.tensors.first { $0.name.hasSuffix("fc.weight") }?.shape ?? []
            guard shape.count == 2 else {
                throw ONNXError("\(file.path): fc.weight has shape \(shape), expected [classes, features]",
                                fix: "pass a torchvision ResNet state dict")
            }
            fc = (try store.take("fc.weight", shape: [shape[0], channels]), try store.take("fc.bias", shape: [shape[0]]), shape[0])
        }
        try store.finish()

        if end <= 4 {
            let c = end == 0 ? 64 : (variant.bottleneck ? 256 : 64) << (end - 1)
            return GraphTap(value: x, layout: .map(channels: c, height: h, width: w))
        }
        let pooled = g.reduce("ReduceMean", x, axes: [2, 3], keepDims: false, "pool")   // [N, C]
        if end == 5 { return GraphTap(value: pooled, layout: .vector(channels: channels)) }
        let logits = g.gemm(pooled, weight: fc!.weight, bias: fc!.bias, out: fc!.classes, in: channels, name: "fc")
        return GraphTap(value: logits, layout: .vector(channels: fc!.classes))
    }
}
