import ThawBackbones
import ThawWeights

extension FineTuneModel {
    /// Blocks K+1…last, the head stage of lite`variant` from `weights`, and `classifier`.
    /// K < the block count (`ModelCatalog.fineTunePlan` checks the user's `--from`).
    public static func load(variant: Int, boundary k: Int, weights: String, classifier: (Int) throws -> TrainableClassifier) throws -> FineTuneModel {
        let specs = EfficientNetLiteSpec.blocks(variant: variant)
        precondition((0..<specs.count).contains(k), "FineTuneModel.load: boundary block must be 0…\(specs.count - 1), got \(k)")
        let store = try ParameterStore(path: weights, rules: KeyRule.dataParallel + KeyRule.batchNormCounters)
        let source: (String, [Int]) throws -> [Float] = { key, shape in try store.take(key, shape: shape) }
        let blocks = try ((k + 1)..<specs.count).map { i in
            try TrainableMBConv(spec: specs[i], prefix: "_blocks.\(i)", parameters: source)
        }
        let head = try TrainableHeadStage(inChannels: specs.last!.outChannels, headChannels: EfficientNetLiteSpec.headChannels,
                                          parameters: source)
        return FineTuneModel(blocks: blocks, head: head, classifier: try classifier(head.headChannels))
    }
}
