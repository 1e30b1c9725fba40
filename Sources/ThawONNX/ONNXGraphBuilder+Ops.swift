import Foundation

/// The operators Thaw's networks and heads are made of, each as its opset-17 ONNX form.
/// Shapes in comments: N batch, C channels, T tokens.
extension ONNXGraphBuilder {
    func add(_ a: String, _ b: String, _ name: String) -> String { op("Add", [a, b], name) }
    func sub(_ a: String, _ b: String, _ name: String) -> String { op("Sub", [a, b], name) }
    func mul(_ a: String, _ b: String, _ name: String) -> String { op("Mul", [a, b], name) }
    func div(_ a: String, _ b: String, _ name: String) -> String { op("Div", [a, b], name) }
    func maximum(_ a: String, _ b: String, _ name: String) -> String { op("Max", [a, b], name) }
    func relu(_ x: String, _ name: String) -> String { op("Relu", [x], name) }

    /// ReLU6 = Clip(x, 0, 6) (opset ≥ 11 takes the bounds as inputs).
    func relu6(_ x: String, _ name: String) -> String { op("Clip", [x, scalar(0), scalar(6)], name) }

    /// Exact GELU, 0.5 · x · (1 + erf(x / √2)) (BERT's "gelu"; ONNX has no Gelu before opset 20).
    func gelu(_ x: String, _ name: String) -> String {
        let e = op("Erf", [div(x, scalar(Float(2).squareRoot()), name + "/scaled")], name + "/erf")
        let half = mul(x, scalar(0.5), name + "/half")
        return mul(half, add(e, scalar(1), name + "/one_plus"), name)
    }

    /// 2-D convolution over NCHW. weight [O, I/group, kH, kW]; pads (top, left, bottom, right)
    /// in ONNX's order (all begins, then all ends).
    func conv(_ x: String, weight: [Float], bias: [Float], outChannels o: Int, inPerGroup i: Int, kernel k: Int,
              stride s: Int, pads: (top: Int, left: Int, bottom: Int, right: Int), group: Int = 1, name: String) -> String {
        let w = self.weight(name + ".weight", weight, [o, i, k, k])
        let b = self.weight(name + ".bias", bias, [o])
        return op("Conv", [x, w, b], name, ("kernel_shape", .ints([k, k])), ("strides", .ints([s, s])),
                  ("pads", .ints([pads.top, pads.left, pads.bottom, pads.right])), ("group", .int(group)))
    }

    /// y [N, out] = x [N, in] · Wᵀ + b with W in torch's [out, in] layout (Gemm transB = 1).
    func gemm(_ x: String, weight: [Float], bias: [Float], out: Int, in inFeatures: Int, name: String) -> String {
        let w = self.weight(name + ".weight", weight, [out, inFeatures])
        let b = self.weight(name + ".bias", bias, [out])
        return op("Gemm", [x, w, b], name, ("transB", .int(1)))
    }

    /// y [..., out] = x [..., in] · Wᵀ + b for any rank (MatMul with Wᵀ stored [in, out], then Add).
    func linear(_ x: String, weight: [Float], bias: [Float], out: Int, in inFeatures: Int, name: String) -> String {
        var t = [Float](repeating: 0, count: weight.count)                 // [in, out]
        for r in 0..<out { for c in 0..<inFeatures { t[c * out + r] = weight[r * inFeatures + c] } }
        let w = self.weight(name + ".weight_t", t, [inFeatures, out])
        let b = self.weight(name + ".bias", bias, [out])
        return add(op("MatMul", [x, w], name + "/matmul"), b, name)
    }

    /// LayerNormalization over the last axis (opset 17), biased variance.
    func layerNorm(_ x: String, gamma: [Float], beta: [Float], eps: Float, name: String) -> String {
        let g = weight(name + ".gamma", gamma, [gamma.count])
        let b = weight(name + ".beta", beta, [beta.count])
        return op("LayerNormalization", [x, g, b], name, ("axis", .int(-1)), ("epsilon", .float(eps)))
    }

    func transpose(_ x: String, _ perm: [Int], _ name: String) -> String { op("Transpose", [x], name, ("perm", .ints(perm))) }

    /// Reshape to `shape` (0 copies that input dimension, -1 is inferred).
    func reshape(_ x: String, _ shape: [Int], _ name: String) -> String { op("Reshape", [x, int64s(name + "/shape", shape)], name) }

    /// ReduceMean / ReduceMax / ReduceL2 take `axes` as an attribute up to opset 17.
    func reduce(_ kind: String, _ x: String, axes: [Int], keepDims: Bool, _ name: String) -> String {
        op(kind, [x], name, ("axes", .ints(axes)), ("keepdims", .int(keepDims ? 1 : 0)))
    }

    /// ReduceSum takes `axes` as an input since opset 13.
    func reduceSum(_ x: String, axes: [Int], keepDims: Bool, _ name: String) -> String {
        op("ReduceSum", [x, int64s(name + "/axes", axes)], name, ("keepdims", .int(keepDims ? 1 : 0)))
    }

    func cast(_ x: String, to type: ONNXDataType, _ name: String) -> String { op("Cast", [x], name, ("to", .int(type.rawValue))) }
    func softmax(_ x: String, axis: Int, _ name: String) -> String { op("Softmax", [x], name, ("axis", .int(axis))) }
    func flatten(_ x: String, _ name: String) -> String { op("Flatten", [x], name, ("axis", .int(1))) }
    func concat(_ xs: [String], axis: Int, _ name: String) -> String { op("Concat", xs, name, ("axis", .int(axis))) }
}
