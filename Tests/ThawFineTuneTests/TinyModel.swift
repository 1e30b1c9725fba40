import ThawBackbones
import ThawCore
import ThawFineTune
import ThawHeads

/// A small seeded model (two blocks 8→8→16, head 16→24, 3 classes) and separable synthetic maps.
enum TinyModel {
    static let specs = [EfficientNetBlockSpec.custom(kernel: 3, stride: 1, expandRatio: 2, inChannels: 8, outChannels: 8),
                        EfficientNetBlockSpec.custom(kernel: 3, stride: 2, expandRatio: 2, inChannels: 8, outChannels: 16)]

    /// Seeded BN statistics, biases and fan-in-scaled weights for `specs`, a head of `headChannels` and a classifier
    /// of `classes` (seeded by `classifierSeed`, default `seed`).
    static func make(seed: UInt64 = 3, specs: [EfficientNetBlockSpec] = specs, headChannels: Int = 24, classes: Int = 3,
                     classifierSeed: UInt64? = nil) throws -> FineTuneModel {
        var rng = SplitMix64(seed: seed)
        let source: (String, [Int]) throws -> [Float] = { key, shape in
            let n = shape.reduce(1, *)
            if key.hasSuffix("running_var") { return (0..<n).map { _ in 0.5 + rng.nextUnitFloat() } }
            if key.hasSuffix("running_mean") || key.hasSuffix(".bias") { return (0..<n).map { _ in 0.1 * rng.nextNormal() } }
            if key.contains("_bn") { return (0..<n).map { _ in 1 + 0.1 * rng.nextNormal() } }
            let fanIn = Float(shape.dropFirst().reduce(1, *))
            return (0..<n).map { _ in rng.nextNormal() / fanIn.squareRoot() }
        }
        let blocks = try specs.enumerated().map { try TrainableMBConv(spec: $1, prefix: "_blocks.\($0)", parameters: source) }
        let head = try TrainableHeadStage(inChannels: specs.last!.outChannels, headChannels: headChannels, parameters: source)
        return FineTuneModel(blocks: blocks, head: head,
                             classifier: TrainableClassifier(inFeatures: headChannels, classes: classes, seed: classifierSeed ?? seed))
    }

    /// `count` maps [4, 4, 8]: class c adds +1 to channels 2c and 2c+1 of noise.
    static func data(count: Int, seed: UInt64) throws -> FeatureSet {
        var rng = SplitMix64(seed: seed)
        var x = [Float](), y = [Int32]()
        for i in 0..<count {
            let c = i % 3
            for _ in 0..<16 {
                for ch in 0..<8 { x.append(rng.nextNormal() + (ch / 2 == c ? 1 : 0)) }
            }
            y.append(Int32(c))
        }
        return try FeatureSet(name: "tiny", features: x, labels: y, rowShape: [4, 4, 8])
    }
}
