import Foundation
import ThawCore
import ThawWeights

/// View and stride arithmetic: real `.pth` (legacy pickle and zip) and safetensors files with their
/// numbers damaged — shapes, strides, storage offsets and sizes (little-endian integers in pickles,
/// decimal numbers in safetensors headers) — loaded and every tensor materialised.
struct WeightsFuzz: FuzzClass {
    var seeds: [(name: String, bytes: [UInt8])] = []

    init(scratch: String) throws {
        let keep: (String) -> Bool = { $0.hasSuffix(".pt") || $0.hasSuffix(".pkl") || $0.hasSuffix(".safetensors") }
        seeds = try seedFiles("Tests/ThawWeightsTests/Fixtures", keep) + (try seedFiles("fuzz/weights/seeds", keep))
        seeds = seeds.filter { $0.bytes.count <= 8192 }
        guard !seeds.isEmpty else { throw FuzzSetupError("no weight seeds") }
    }

    mutating func run(_ rng: inout SplitMix64) throws {
        let seed = seeds[rng.below(seeds.count)]
        var b = seed.bytes
        switch rng.below(4) {
        case 0: Mutate.bytes(&b, &rng)
        case 1: for _ in 0..<(1 + rng.below(3)) { Mutate.decimal(&b, &rng) }   // safetensors shapes and offsets
        case 2: for _ in 0..<(1 + rng.below(3)) { pickleInteger(&b, &rng) }   // shapes, strides, offsets in a pickle
        default: Mutate.integer(&b, at: rng.below(max(1, b.count)), &rng); Mutate.bytes(&b, &rng, rounds: rng.below(2))
        }
        let file = try WeightFile.load(Data(b), path: seed.name)
        for t in file.tensors where t.elementCount <= 1 << 22 { _ = t.floats() }
        _ = file.parameterCount
    }

    /// Rewrites the argument of one pickle integer opcode (BININT1 K, BININT2 M, BININT J, LONG1 0x8a).
    func pickleInteger(_ b: inout [UInt8], _ rng: inout SplitMix64) {
        let sites = b.indices.filter { [0x4B, 0x4D, 0x4A, 0x8A].contains(b[$0]) }
        guard !sites.isEmpty else { return Mutate.bytes(&b, &rng, rounds: 1) }
        let at = sites[rng.below(sites.count)]
        switch b[at] {
        case 0x4A: Mutate.integer(&b, at: at + 1, &rng)
        case 0x8A where at + 1 < b.count:
            let v = Mutate.interesting64[rng.below(Mutate.interesting64.count)]
            let width = min(Int(b[at + 1]), 8)
            for k in 0..<width where at + 2 + k < b.count { b[at + 2 + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
        default: if at + 1 < b.count { b[at + 1] = UInt8(truncatingIfNeeded: rng.next()) }
        }
    }
}
