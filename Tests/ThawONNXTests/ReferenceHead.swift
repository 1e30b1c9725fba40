import Foundation
import ThawCore
import ThawHeads
import ThawKernels
import ThawONNX
import ThawStore
import XCTest

/// Thaw's side of the comparison: the head forward of docs/bundle-format.md computed with
/// Thaw's own pieces (ThawStore's f16/bf16 rounding, ThawHeads' Pooling, GeM and Activation,
/// ThawKernels' Linear, LayerNorm and Softmax), and seeded head tensors to feed both sides.
enum ReferenceHead {
    /// Logits and probabilities [N, K] of `head` over the tap values `tap` ([N, H, W, C], [N, T, C] or [N, C]).
    static func forward(tap: Tensor, head: ONNXHeadSpec, classes k: Int) -> (logits: [Float], probabilities: [Float]) {
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
                let gamma = head.tensors["head.ln\(i + 1).weight"]!.values, beta = head.tensors["head.ln\(i + 1).bias"]!.values
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
        var probabilities = logits
        Softmax.forward(&probabilities, rows: n, columns: k)
        return (logits, probabilities)
    }

    /// Root mean square of the values: seeded heads scale their weights by 1/rms of the tap so
    /// the probabilities are neither uniform nor saturated (random ResNets have large activations).
    static func rms(_ x: [Float]) -> Float {
        Float((x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(x.count, 1))).squareRoot())
    }

    static func linear(_ head: ONNXHeadSpec, _ name: String, out: Int, in i: Int) -> LinearParameters {
        LinearParameters(weight: head.tensors[name + ".weight"]!.values, bias: head.tensors[name + ".bias"]!.values,
                         inFeatures: i, outFeatures: out)
    }

    /// A head with seeded tensors: weights uniform ±√(6/fan_in)·gain (so the probabilities are
    /// far from uniform), the first layer's also × `inputScale` (1/rms of a large tap), biases
    /// ±0.1, LayerNorm γ 1 ± 0.2 and β ± 0.1, GeM p = 3.
    static func seeded(seed: UInt64, inputWidth d: Int, classes k: Int, tapDType: String, pooling: String,
                       hidden: [Int], activation: String = "relu", layerNorm: Bool = false, gain: Float = 2,
                       inputScale: Float = 1) -> ONNXHeadSpec {
        var rng = SplitMix64(seed: seed)
        func uniform(_ count: Int, _ scale: Float, around centre: Float = 0) -> [Float] {
            (0..<count).map { _ in centre + (2 * rng.nextUnitFloat() - 1) * scale }
        }
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        var width = d
        for (i, units) in hidden.enumerated() {
            let scale = gain * (6 / Float(width)).squareRoot() * (i == 0 ? inputScale : 1)
            tensors["head.fc\(i + 1).weight"] = ([units, width], uniform(units * width, scale))
            tensors["head.fc\(i + 1).bias"] = ([units], uniform(units, 0.1))
            if layerNorm {
                tensors["head.ln\(i + 1).weight"] = ([units], uniform(units, 0.2, around: 1))
                tensors["head.ln\(i + 1).bias"] = ([units], uniform(units, 0.1))
            }
            width = units
        }
        let outScale = gain * (6 / Float(width)).squareRoot() * (hidden.isEmpty ? inputScale : 1)
        tensors["head.out.weight"] = ([k, width], uniform(k * width, outScale))
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

/// Asserts the logits agree to `relativeTolerance` of the largest |logit| (saturated
/// probabilities would hide a wrong graph; logits do not). Taps rounded to f16/bf16 need a
/// looser bound: the two backbones differ in the last f32 bits (summation order), so a value
/// near a rounding boundary can round to the neighbouring f16/bf16 number on one side only.
func assertLogitsMatch(_ onnx: [Float], _ thaw: [Float], relativeTolerance: Float = 1e-4, _ label: String,
                       file: StaticString = #filePath, line: UInt = #line) {
    let d = maxAbsDifference(onnx, thaw), scale = thaw.map(abs).max() ?? .nan
    print("\(label): max |Δlogit| = \(d), largest |logit| \(scale)")
    XCTAssertLessThanOrEqual(d, relativeTolerance * max(scale, 1), "\(label): logits differ by \(d) (largest |logit| \(scale))",
                             file: file, line: line)
}

/// Fails when the probabilities are all near 0 or 1 (a comparison that cannot see errors).
func assertNotSaturated(_ probabilities: [Float], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(probabilities.contains { $0 > 0.01 && $0 < 0.99 }, "\(label): probabilities are saturated", file: file, line: line)
}

/// The probability tolerance for a head trained on a tap of `dtype`: 1e-4 for f32 and f16.
/// bf16 keeps 8 significant bits, so a tap value within Thaw's and ONNX Runtime's f32 round-off
/// of a bf16 rounding boundary rounds 0.4% apart on the two sides (both round to nearest even;
/// checked); on EfficientNet-Lite0 `blocks.12` that moved one probability by 2.5e-4. No export
/// can remove that (the backbones agree to ~1e-6, not bit for bit), so bf16 taps get 1e-3.
func tolerance(_ dtype: String) -> Float { dtype == "bf16" ? 1e-3 : 1e-4 }

/// Asserts the probabilities agree to `tolerance` and prints the figure (and the file size).
func assertProbabilitiesMatch(_ onnx: [Float], _ thaw: [Float], tolerance: Float = 1e-4, modelBytes: Int, _ label: String,
                              file: StaticString = #filePath, line: UInt = #line) {
    let d = maxAbsDifference(onnx, thaw)
    print("\(label): max |Δprobability| = \(d) over \(thaw.count) values; ONNX file \(modelBytes) bytes")
    XCTAssertTrue(thaw.allSatisfy(\.isFinite), "\(label): Thaw's probabilities hold NaN/inf", file: file, line: line)
    XCTAssertLessThanOrEqual(d, tolerance, "\(label): ONNX Runtime and Thaw differ by \(d) in probability", file: file, line: line)
}
