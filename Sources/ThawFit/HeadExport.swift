import ThawHeads
import ThawWeights

/// One trained head as safetensors tensors, keyed as `StackedHeads.state(head:)` names them.
public enum HeadExport {
    /// Tensors of head `k`: "fcN.weight" [out, in], "fcN.bias" [out], "lnN.gamma|beta" [H], "out.*", "gem.p" [1].
    public static func tensors(_ model: StackedHeads, head k: Int) -> [SafetensorsWriter.Tensor] {
        let state = model.state(head: k)
        let widths = [model.inputWidth] + model.shape.hidden + [model.classes]
        var out: [SafetensorsWriter.Tensor] = []
        for (i, name) in (model.shape.hidden.indices.map { "fc\($0 + 1)" } + ["out"]).enumerated() {
            out.append(.init(name: name + ".weight", shape: [widths[i + 1], widths[i]], values: state[name + ".weight"]!))
            out.append(.init(name: name + ".bias", shape: [widths[i + 1]], values: state[name + ".bias"]!))
        }
        for (key, v) in state where !key.hasPrefix("fc") && !key.hasPrefix("out.") {
            out.append(.init(name: key, shape: [v.count], values: v))
        }
        return out
    }

    /// Tensors of a logistic regression in the same layout as a linear head ("out.weight", "out.bias").
    public static func tensors(_ lr: LogisticRegression) -> [SafetensorsWriter.Tensor] {
        [.init(name: "out.weight", shape: [lr.classes, lr.features], values: lr.coefficients),
         .init(name: "out.bias", shape: [lr.classes], values: lr.intercept)]
    }
}
