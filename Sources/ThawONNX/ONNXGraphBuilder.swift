import Foundation

/// Builds one ONNX graph node by node. Values are strings (ONNX names them, nothing more);
/// weights become float initializers stored as raw little-endian bytes. Every name the builder
/// makes is unique, so builders for the backbone and the head can be chained freely.
final class ONNXGraphBuilder {
    private(set) var nodes: [ONNXNode] = []
    private(set) var initializers: [ONNXTensor] = []
    var inputs: [ONNXValueInfo] = []
    var outputs: [ONNXValueInfo] = []
    private var used = Set<String>()
    private var scalars: [Float: String] = [:]     // bit-identical float constants, shared

    /// `hint` itself when free, else `hint_2`, `hint_3`, …
    func fresh(_ hint: String) -> String {
        var name = hint, k = 1
        while used.contains(name) { k += 1; name = "\(hint)_\(k)" }
        used.insert(name)
        return name
    }

    /// Appends `opType(inputs)`; returns its output names (`outputCount` of them, hinted by `name`).
    @discardableResult
    func node(_ opType: String, _ inputs: [String], name: String, attributes: [ONNXAttribute] = [],
              outputCount: Int = 1) -> [String] {
        let outs = (0..<outputCount).map { fresh(outputCount == 1 ? name : "\(name)_out\($0)") }
        nodes.append(ONNXNode(opType: opType, inputs: inputs, outputs: outs, name: fresh("node/" + name), attributes: attributes))
        return outs
    }

    /// One-output node with attributes given as (name, value) pairs.
    func op(_ opType: String, _ inputs: [String], _ name: String, _ attributes: (String, ONNXAttribute.Value)...) -> String {
        node(opType, inputs, name: name, attributes: attributes.map { ONNXAttribute(name: $0.0, value: $0.1) })[0]
    }

    /// A float initializer of `dims` (row-major values).
    func weight(_ name: String, _ values: [Float], _ dims: [Int]) -> String {
        let n = fresh(name)
        initializers.append(ONNXTensor(name: n, floats: values, dims: dims))
        return n
    }

    /// An int64 initializer (shapes, axes, indices).
    func int64s(_ name: String, _ values: [Int], dims: [Int]? = nil) -> String {
        let n = fresh(name)
        initializers.append(ONNXTensor(name: n, int64s: values, dims: dims ?? [values.count]))
        return n
    }

    /// A float scalar constant (rank 0), one initializer per distinct value.
    func scalar(_ value: Float) -> String {
        if let name = scalars[value] { return name }
        let n = weight("const_\(value)", [value], [])
        scalars[value] = n
        return n
    }

    func proto(name: String, docString: String) -> ONNXGraphProto {
        ONNXGraphProto(name: name, nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs,
                       docString: docString)
    }
}
