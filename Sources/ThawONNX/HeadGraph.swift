/// A bundle's head as ONNX nodes after a backbone tap (docs/bundle-format.md, "The head"):
/// tap rounded to its cache dtype → pooling → hidden layers [Gemm, LayerNormalization, Relu|GELU]
/// → `logits` → Softmax `probabilities`.
enum HeadGraph {
    /// Returns the logits [N, K]. Every tensor the description implies must be present with its
    /// shape, and nothing else.
    static func build(_ g: ONNXGraphBuilder, tap: GraphTap, head: ONNXHeadSpec, classCount k: Int) throws -> String {
        var expected: [String: [Int]] = [:]
        var x = try roundToCacheDType(g, tap.value, head.tapDType)

        // Pooling over the H·W (or T) positions; maps are NCHW here, tokens [N, T, C].
        let c = tap.channels
        var width: Int
        let axes: [Int]
        switch tap.layout {
        case .map(_, let h, let w):
            axes = [2, 3]
            width = head.pooling == "none" ? h * w * c : c
        case .tokens:
            axes = [1]
            width = c     // `none` on tokens is rejected below (T is not fixed by the graph)
        case .vector:
            axes = []
            width = c
        }
        if axes.isEmpty, head.pooling != "none" {
            throw ONNXError("pooling '\(head.pooling)' needs a map or token tap, but the tap is a vector",
                            fix: "use pooling 'none' for vector taps such as 'pool'")
        }
        switch head.pooling {
        case "none":
            if case .map = tap.layout {
                // Thaw flattens channels-last [H, W, C]: back to NHWC before Flatten.
                x = g.flatten(g.transpose(x, [0, 2, 3, 1], "tap_nhwc"), "tap_flat")
            } else if case .tokens = tap.layout {
                throw ONNXError("pooling 'none' on a token tap needs a fixed token count",
                                fix: "train the head with avg, max, avgmax or gem pooling, or on the 'pool' tap")
            }
        case "avg": x = g.reduce("ReduceMean", x, axes: axes, keepDims: false, "pool_avg")
        case "max": x = g.reduce("ReduceMax", x, axes: axes, keepDims: false, "pool_max")
        case "avgmax":
            x = g.concat([g.reduce("ReduceMean", x, axes: axes, keepDims: false, "pool_avg"),
                          g.reduce("ReduceMax", x, axes: axes, keepDims: false, "pool_max")], axis: 1, "pool_avgmax")
            width = 2 * c
        case "gem":
            expected["head.gem.p"] = [1]
            let p = try tensor(head, "head.gem.p", [1])[0]
            guard p.isFinite, p != 0 else {
                throw ONNXError("head.gem.p is \(p)", fix: "the head file is damaged: export the head again")
            }
            // (mean(max(t, 1e-6)^p))^(1/p), 1/p rounded to Float as ThawHeads.GeM computes it.
            let powered = g.op("Pow", [g.maximum(x, g.scalar(1e-6), "gem/clamp"), g.scalar(p)], "gem/pow")
            x = g.op("Pow", [g.reduce("ReduceMean", powered, axes: axes, keepDims: false, "gem/mean"), g.scalar(1 / p)], "pool_gem")
        default:
            throw ONNXError("unknown pooling '\(head.pooling)'", fix: "use none, avg, max, avgmax or gem")
        }

        guard ["linear", "mlp", "logistic"].contains(head.type) else {
            throw ONNXError("unknown head type '\(head.type)'", fix: "use linear, mlp or logistic (fine-tuned networks export without a head)")
        }
        guard ["relu", "gelu"].contains(head.activation) || head.hidden.isEmpty else {
            throw ONNXError("unknown activation '\(head.activation)'", fix: "use relu or gelu")
        }
        if head.type != "mlp", !head.hidden.isEmpty {
            throw ONNXError("a \(head.type) head has hidden widths \(head.hidden)", fix: "use type 'mlp' for hidden layers")
        }
        for (i, units) in head.hidden.enumerated() {
            let n = "head.fc\(i + 1)"
            expected[n + ".weight"] = [units, width]; expected[n + ".bias"] = [units]
            x = g.gemm(x, weight: try tensor(head, n + ".weight", [units, width]), bias: try tensor(head, n + ".bias", [units]),
                       out: units, in: width, name: n)
            if head.layerNorm {
                let l = "head.ln\(i + 1)"
                expected[l + ".weight"] = [units]; expected[l + ".bias"] = [units]
                x = g.layerNorm(x, gamma: try tensor(head, l + ".weight", [units]), beta: try tensor(head, l + ".bias", [units]),
                                eps: 1e-5, name: l)
            }
            x = head.activation == "relu" ? g.relu(x, n + "/relu") : g.gelu(x, n + "/gelu")
            width = units
        }
        expected["head.out.weight"] = [k, width]; expected["head.out.bias"] = [k]
        let logits = g.gemm(x, weight: try tensor(head, "head.out.weight", [k, width]), bias: try tensor(head, "head.out.bias", [k]),
                            out: k, in: width, name: "head.out")
        let extra = head.tensors.keys.filter { expected[$0] == nil }.sorted()
        guard extra.isEmpty else {
            throw ONNXError("the head has tensors its description does not use: \(extra.joined(separator: ", "))",
                            fix: "check the head's type, hidden widths, layerNorm and pooling against its tensors")
        }
        return logits
    }

    /// Cast to FLOAT16 / BFLOAT16 and back, so the head sees the values it was trained on.
    static func roundToCacheDType(_ g: ONNXGraphBuilder, _ x: String, _ dtype: String) throws -> String {
        switch dtype {
        case "f32": return x
        case "f16": return g.cast(g.cast(x, to: .float16, "tap_f16"), to: .float, "tap_rounded")
        case "bf16": return g.cast(g.cast(x, to: .bfloat16, "tap_bf16"), to: .float, "tap_rounded")
        default: throw ONNXError("unknown tap dtype '\(dtype)'", fix: "use f32, f16 or bf16")
        }
    }

    /// The values of head tensor `name`, checked finite and of `shape`.
    static func tensor(_ head: ONNXHeadSpec, _ name: String, _ shape: [Int]) throws -> [Float] {
        guard let t = head.tensors[name] else {
            throw ONNXError("the head has no tensor '\(name)' (expected shape \(shape))",
                            fix: "check the head's description (type, hidden, layerNorm, pooling) matches its tensors")
        }
        guard t.shape == shape, t.values.count == shape.reduce(1, *) else {
            throw ONNXError("head tensor '\(name)' has shape \(t.shape) (\(t.values.count) values), the tap and description need \(shape)",
                            fix: "export with the tap the head was trained on")
        }
        guard t.values.allSatisfy(\.isFinite) else {
            throw ONNXError("head tensor '\(name)' holds NaN or infinite values", fix: "retrain or export the head again")
        }
        return t.values
    }
}
