import Foundation

/// The seeded-weight recipe of Fixtures/README.md and scripts/reference/seeded_weights.py,
/// bit for bit: splitmix64 seeded with fnv1a64(key) ^ baseSeed, element i takes the (i+1)-th
/// uniform, the formula is chosen by the key's last component, computed in Double then rounded.

/// Which formula fills a tensor (the Python `tensor_rule`, plus `input` for seeded inputs).
enum SeededKind: Equatable {
    case kaiming        // (2u − 1)·sqrt(6 / fan_in), fan_in = product(shape[1...])
    case bnWeight       // 0.5 + u
    case bias           // (2u − 1)·0.1
    case runningMean    // (2u − 1)·0.1
    case runningVar     // 0.5 + u
    case zero           // num_batches_tracked: no draws
    case input          // 2u − 1 (seeded network inputs, NCHW order)

    /// The rule for a state-dict key, from its last component and rank.
    static func rule(name: String, shape: [Int]) -> SeededKind {
        switch name.split(separator: ".").last.map(String.init) ?? name {
        case "num_batches_tracked": return .zero
        case "running_mean": return .runningMean
        case "running_var": return .runningVar
        case "bias": return .bias
        case "weight": return shape.count >= 2 ? .kaiming : .bnWeight
        case "input": return .input
        default: preconditionFailure("seededTensor: no rule for tensor '\(name)' of shape \(shape)")
        }
    }
}

/// FNV-1a, 64 bits, over the UTF-8 bytes of `name`.
func fnv1a64(_ name: String) -> UInt64 {
    var h: UInt64 = 0xcbf29ce484222325
    for b in name.utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }
    return h
}

/// splitmix64 output number `i + 1` from state `seed` (state before it: seed + i·γ).
@inline(__always)
func splitmix64(_ seed: UInt64, index i: Int) -> UInt64 {
    var z = seed &+ UInt64(i + 1) &* 0x9E3779B97F4A7C15
    z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
    z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
    return z ^ (z >> 31)
}

/// uniform() of the recipe: the top 24 bits, exact in Double, in [0, 1).
@inline(__always)
func seededUniform(_ seed: UInt64, index i: Int) -> Double {
    Double(splitmix64(seed, index: i) >> 40) * 0x1p-24
}

/// The tensor `name` of `shape` (PyTorch's order, row-major) for `baseSeed`; `kind` nil picks
/// the rule from the key as the Python does.
func seededTensor(name: String, shape: [Int], baseSeed: UInt64, kind: SeededKind? = nil) -> [Float] {
    let rule = kind ?? SeededKind.rule(name: name, shape: shape)
    let count = shape.reduce(1, *)
    if rule == .zero { return [Float](repeating: 0, count: count) }
    let seed = fnv1a64(name) ^ baseSeed
    let scale = rule == .kaiming ? (6.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot() : 1
    return (0..<count).map { i in
        let u = seededUniform(seed, index: i)
        switch rule {
        case .kaiming: return Float((2 * u - 1) * scale)
        case .bnWeight, .runningVar: return Float(0.5 + u)
        case .bias, .runningMean: return Float((2 * u - 1) * 0.1)
        case .input: return Float(2 * u - 1)
        case .zero: return 0
        }
    }
}
