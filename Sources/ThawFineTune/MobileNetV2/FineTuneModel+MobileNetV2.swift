import ThawBackbones
import ThawWeights

extension FineTuneModel {
    /// MobileNetV2's top for fine-tuning from cached `features.K` maps: inverted residuals `features.K+1`…`features.17`
    /// (torchvision keys, `MBConvNaming.torchvision`), `features.18` (1×1 conv 320 → 1280 + BN + ReLU6) and
    /// mean pooling as the head stage, and `classifier` (torchvision's `classifier.1`; its dropout is a no-op
    /// here as in evaluation). K = 0 (the stem's output) … 17 (only `features.18` trains).
    public static func loadMobileNetV2(boundary k: Int, weights: String,
                                       classifier: (Int) throws -> TrainableClassifier) throws -> FineTuneModel {
        let store = try ParameterStore(path: weights, rules: KeyRule.dataParallel + KeyRule.batchNormCounters)
        return try mobileNetV2(blocks: MobileNetV2Spec.blocks, boundary: k, headChannels: MobileNetV2Spec.headChannels,
                               parameters: { key, shape in try store.take(key, shape: shape) }, classifier: classifier)
    }

    /// The same top over any block table (tests use narrow ones): `blocks[i]` is `features.(i + 1)`, the head
    /// conv `features.(blocks.count + 1)`.
    public static func mobileNetV2(blocks specs: [EfficientNetBlockSpec], boundary k: Int, headChannels: Int,
                                   parameters: (String, [Int]) throws -> [Float],
                                   classifier: (Int) throws -> TrainableClassifier) throws -> FineTuneModel {
        precondition((0...specs.count).contains(k), "FineTuneModel.mobileNetV2: boundary must be features.0…\(specs.count), got \(k)")
        let blocks = try (k..<specs.count).map { i in
            try TrainableMBConv(spec: specs[i], prefix: "features.\(i + 1)", naming: .torchvision, parameters: parameters)
        }
        let headKey = "features.\(specs.count + 1)"
        let head = try TrainableHeadStage(inChannels: specs[specs.count - 1].outChannels, headChannels: headChannels,
                                          convKey: headKey + ".0.weight", bnPrefix: headKey + ".1",
                                          eps: MobileNetV2Spec.batchNormEps, parameters: parameters)
        return FineTuneModel(blocks: blocks, head: head, classifier: try classifier(head.headChannels))
    }
}
