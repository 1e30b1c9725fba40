import Foundation
import ThawCore
import ThawHeads

/// Seeded random checkpoints for families whose pretrained weights do not install offline:
/// the network's own loader asks for every parameter (name and shape, in its order) and gets
/// seeded values, which are then written as safetensors for Thaw and the exporter to load.
enum SeededCheckpoint {
    /// BN γ and running variance uniform in [0.5, 1.5), biases and running means ±0.1, other
    /// weights ±√(6 / fan_in); `scales[name]` multiplies a tensor (e.g. a classifier, so random
    /// networks do not give saturated probabilities).
    static func write(seed: UInt64, scales: [String: Float] = [:], to url: URL,
                      build: (_ source: (String, [Int]) throws -> [Float]) throws -> Void) throws {
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        var rng = SplitMix64(seed: seed)
        try build { name, shape in
            let count = shape.reduce(1, *)
            func uniform(_ lo: Float, _ hi: Float) -> [Float] { (0..<count).map { _ in lo + (hi - lo) * rng.nextUnitFloat() } }
            var values: [Float]
            switch name.split(separator: ".").last! {
            case "running_var": values = uniform(0.5, 1.5)
            case "running_mean", "bias": values = uniform(-0.1, 0.1)
            case "weight" where shape.count == 1: values = uniform(0.5, 1.5)      // BN gamma
            default:
                let bound = (6 / Float(shape.dropFirst().reduce(1, *))).squareRoot()
                values = uniform(-bound, bound)
            }
            if let s = scales[name] { values = values.map { $0 * s } }
            tensors.append((name, shape, values))
            return values
        }
        try SafetensorsFile.write(tensors, to: url)
    }
}
