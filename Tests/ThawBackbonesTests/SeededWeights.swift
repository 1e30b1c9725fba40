import XCTest

// The seeded-weight recipe of Fixtures/README.md (scripts/reference/seeded_weights.py): golden
// networks are filled with these values, so no ResNet weight file is committed.

/// splitmix64 (all arithmetic mod 2^64).
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// In [0, 1), exact in Double: the top 24 bits.
    mutating func uniform() -> Double { Double(next() >> 40) * 0x1p-24 }
}

func fnv1a64(_ name: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in name.utf8 { h ^= UInt64(b); h = h &* 0x0000_0100_0000_01B3 }
    return h
}

/// Which formula fills a tensor.
enum SeededKind {
    case kaiming        // conv/linear `.weight` (rank ≥ 2): (2u − 1)·sqrt(6 / fan_in)
    case bnWeight       // BatchNorm γ (`.weight`, rank 1): 0.5 + u
    case bias           // any `.bias`: (2u − 1)·0.1
    case runningMean    // (2u − 1)·0.1
    case runningVar     // 0.5 + u
    case unit           // seeded inputs (`input`): 2u − 1

    /// From the key's last segment and the rank, as the README states.
    static func infer(name: String, shape: [Int]) -> SeededKind {
        switch name.split(separator: ".").last.map(String.init) ?? name {
        case "running_mean": return .runningMean
        case "running_var": return .runningVar
        case "bias": return .bias
        case "weight": return shape.count >= 2 ? .kaiming : .bnWeight
        case "input": return .unit
        default: preconditionFailure("seededTensor: no rule for '\(name)' \(shape)")
        }
    }
}

/// Values of the tensor `name` (row-major in torch's `shape`) under the recipe with `baseSeed`.
func seededTensor(name: String, shape: [Int], baseSeed: UInt64, kind: SeededKind? = nil) -> [Float] {
    let kind = kind ?? SeededKind.infer(name: name, shape: shape)
    var g = SplitMix64(state: fnv1a64(name) ^ baseSeed)
    let count = shape.reduce(1, *)
    let scale = kind == .kaiming ? (6.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot() : 0
    return (0..<count).map { _ in
        let u = g.uniform()
        switch kind {
        case .kaiming: return Float((2 * u - 1) * scale)
        case .bnWeight, .runningVar: return Float(0.5 + u)
        case .bias, .runningMean: return Float((2 * u - 1) * 0.1)
        case .unit: return Float(2 * u - 1)
        }
    }
}

final class SeededWeightsTests: XCTestCase {
    func testCheckValuesFromTheReadme() {
        var g = SplitMix64(state: 0)
        XCTAssertEqual([g.next(), g.next(), g.next()], [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        var u = SplitMix64(state: 0)
        XCTAssertEqual([u.uniform(), u.uniform(), u.uniform()], [0.8833107948303223, 0.4315279722213745, 0.02643376588821411])
        XCTAssertEqual(fnv1a64(""), 0xCBF2_9CE4_8422_2325)
        XCTAssertEqual(fnv1a64("conv1.weight"), 0x69A2_9A2C_EE47_D254)
        XCTAssertEqual(fnv1a64("input"), 0x1EBB_AE8F_5810_B65B)
        let want: [String: ([Int], [Float])] = [
            "conv1.weight": ([64, 3, 7, 7], [0.030131792649626732, -0.09941059350967407, -0.112815722823143, -0.015363248996436596]),
            "bn1.weight": ([64], [0.6342134475708008, 1.0680252313613892, 0.7448078989982605, 1.251763105392456]),
            "bn1.bias": ([64], [-0.051107894629240036, -0.04685967043042183, -0.05272824689745903, 0.09056618064641953]),
            "bn1.running_mean": ([64], [-0.06687550246715546, -0.04278024286031723, -0.028037797659635544, 0.05305011197924614]),
            "bn1.running_var": ([64], [0.7201460003852844, 1.4391820430755615, 0.89161217212677, 0.6672728061676025]),
            "fc.weight": ([1000, 512], [0.10092552751302719, -0.051874108612537384, 0.034019745886325836, 0.07607325166463852]),
            "fc.bias": ([1000], [0.07923875004053116, 0.061129726469516754, 0.057930074632167816, 0.04257822036743164]),
        ]
        for (name, (shape, values)) in want {
            XCTAssertEqual(Array(seededTensor(name: name, shape: shape, baseSeed: 18).prefix(4)), values, name)
        }
    }
}
