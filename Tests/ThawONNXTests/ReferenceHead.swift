import Foundation
import ThawHeads
import ThawKernels
import ThawONNX
import ThawStore
import XCTest

/// Thaw's side of the comparison: the head forward of docs/bundle-format.md computed with
/// Thaw's own pieces (ThawStore's f16/bf16 rounding, ThawHeads' Pooling, GeM and Activation,
/// ThawKernels' Linear, LayerNorm and Softmax), and seeded head tensors to feed both sides.
enum ReferenceHead {
    /// Probabilities [N, K] of `head` over the tap values `tap` ([N, H, W, C], [N, T, C] or [N, C]).
    static func probabilities(tap: Tensor, head: ONNXHeadSpec, classes k: Int) -> [Float] {
        let n = tap.shape[0], c = tap.shape.last!
        let s = tap.shape.dropFirst().dropLast().reduce(1, *)            // H·W, T, or 1 for vectors
        let rounded: [Float] = tap.data.map { v in
            switch head.tapDType {
            case "f16": return HalfFloat.f16Value(HalfFloat.f16Bits(v))
            case "bf16": return HalfFloat.bf16Value(HalfFloat.bf16Bits(v))
            default: return v
            }
        }
        var x: [Float], width: Int
        switch head.pooling {
        case "none":
            x = rounded; width = tap.count / n
        case "gem":
            width = c
            x = [Float](repeating: 0, count: n * c)
            var mean = x
            let p = head.tensors["head.gem.p"]!.values
            GeM.forward(x: rounded, batch: n, spatial: s, channels: c, p: p, heads: 1, y: &x, savedMean: &mean)
        default:
            let pooling: ThawHeads.Pooling = head.pooling == "avg" ? .avg : head.pooling == "max" ? .max : .avgMax
            width = pooling.outputWidth(channels: c)
            x = [Float](repeating: 0, count: n * width)
            pooling.pool(maps: rounded, count: n, spatial: s, channels: c, out: &x)
        }
        let activation = Activation(rawValue: head.activation)!
        for (i, units) in head.hidden.enumerated() {
            var z = [Float](repeating: 0, count: n * units)
            Linear.forward(linear(head, "head.fc\(i + 1)", out: units, in: width), x: x, rows: n, y: &z)
            if head.layerNorm {
                let gamma = head.tensors["head.ln\(i + 1).gamma"]!.values, beta = head.tensors["head.ln\(i + 1).beta"]!.values
                var y = z
                LayerNorm.forward(x: z, rows: n, channels: units, gamma: gamma, beta: beta, eps: 1e-5, y: &y)
                z = y
            }
            x = [Float](repeating: 0, count: n * units)
            activation.forward(z: z, y: &x, count: n * units)
            width = units
        }
        var logits = [Float](repeating: 0, count: n * k)
        Linear.forward(linear(head, "head.out", out: k, in: width), x: x, rows: n, y: &logits)
        Softmax.forward(&logits, rows: n, columns: k)
        return logits
    }

    static func linear(_ head: ONNXHeadSpec, _ name: String, out: Int, in i: Int) -> LinearParameters {
        LinearParameters(weight: head.tensors[name + ".weight"]!.values, bias: head.tensors[name + ".bias"]!.values,
                         inFeatures: i, outFeatures: out)
    }

    /// A head with seeded tensors: weights uniform ±√(6/fan_in)·gain (so the probabilities are
    /// far from uniform), biases ±0.1, LayerNorm γ 1 ± 0.2 and β ± 0.1, GeM p = 3.
    static func seeded(seed: UInt64, inputWidth d: Int, classes k: Int, tapDType: String, pooling: String,
                       hidden: [Int], activation: String = "relu", layerNorm: Bool = false, gain: Float = 2) -> ONNXHeadSpec {
        var rng = SplitMix64(seed: seed)
        func uniform(_ count: Int, _ scale: Float, around centre: Float = 0) -> [Float] {
            (0..<count).map { _ in centre + (2 * rng.nextUnitFloat() - 1) * scale }
        }
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        var width = d
        for (i, units) in hidden.enumerated() {
            tensors["head.fc\(i + 1).weight"] = ([units, width], uniform(units * width, gain * (6 / Float(width)).squareRoot()))
            tensors["head.fc\(i + 1).bias"] = ([units], uniform(units, 0.1))
            if layerNorm {
                tensors["head.ln\(i + 1).gamma"] = ([units], uniform(units, 0.2, around: 1))
                tensors["head.ln\(i + 1).beta"] = ([units], uniform(units, 0.1))
            }
            width = units
        }
        tensors["head.out.weight"] = ([k, width], uniform(k * width, gain * (6 / Float(width)).squareRoot()))
        tensors["head.out.bias"] = ([k], uniform(k, 0.1))
        if pooling == "gem" { tensors["head.gem.p"] = ([1], [3]) }
        return ONNXHeadSpec(tapDType: tapDType, pooling: pooling, type: hidden.isEmpty ? "linear" : "mlp", hidden: hidden,
                            activation: activation, layerNorm: layerNorm, tensors: tensors)
    }
}

/// Max |a − b| over equal-length arrays; fails (returns +∞) on a NaN or a length mismatch.
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count, !a.isEmpty else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        let d = abs(x - y)
        if !(d <= worst) { worst = d.isNaN ? .infinity : d }   // NaN compares false: becomes +∞
    }
    return worst
}

/// Asserts the probabilities agree to `tolerance` and prints the figure (and the file size).
func assertProbabilitiesMatch(_ onnx: [Float], _ thaw: [Float], tolerance: Float = 1e-4, modelBytes: Int, _ label: String,
                              file: StaticString = #filePath, line: UInt = #line) {
    let d = maxAbsDifference(onnx, thaw)
    print("\(label): max |Δprobability| = \(d) over \(thaw.count) values; ONNX file \(modelBytes) bytes")
    XCTAssertTrue(thaw.allSatisfy(\.isFinite), "\(label): Thaw's probabilities hold NaN/inf", file: file, line: line)
    XCTAssertLessThanOrEqual(d, tolerance, "\(label): ONNX Runtime and Thaw differ by \(d) in probability", file: file, line: line)
}
