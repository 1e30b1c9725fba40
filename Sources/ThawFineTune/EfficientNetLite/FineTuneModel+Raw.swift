import Foundation
import ThawBackbones
import ThawWeights

extension FineTuneModel {
    /// The trained part of lite`variant` for fine-tuning from raw images: the stem (for `.input`),
    /// blocks `start.firstTrainedBlock`…last (none after the last block: the head stage only), the
    /// head stage and `classifier`.
    public static func load(variant: Int, start: RawStart, weights: String,
                            classifier: (Int) throws -> TrainableClassifier) throws -> FineTuneModel {
        let specs = EfficientNetLiteSpec.blocks(variant: variant)
        let first = start.firstTrainedBlock
        precondition(first <= specs.count, "FineTuneModel.load: the first trained block must be 0…\(specs.count), got \(first)")
        let store = try ParameterStore(path: weights, rules: KeyRule.dataParallel + KeyRule.batchNormCounters)
        let source: (String, [Int]) throws -> [Float] = { key, shape in try store.take(key, shape: shape) }
        let stem = start == .input ? try TrainableStem(parameters: source) : nil
        let blocks = try (first..<specs.count).map { i in
            try TrainableMBConv(spec: specs[i], prefix: "_blocks.\(i)", parameters: source)
        }
        let head = try TrainableHeadStage(inChannels: specs.last!.outChannels, headChannels: EfficientNetLiteSpec.headChannels,
                                          parameters: source)
        return FineTuneModel(stem: stem, blocks: blocks, head: head, classifier: try classifier(head.headChannels))
    }
}
