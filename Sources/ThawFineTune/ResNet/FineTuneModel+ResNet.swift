import Foundation
import ThawBackbones
import ThawWeights

extension FineTuneModel {
    /// The blocks of layer(K+1)…layer4 of a torchvision ResNet-`depth` state dict at `weights`
    /// (`.pth` or `.safetensors`; only the keys of those stages are read) and `classifier`,
    /// which receives the pooled width (512 basic, 2048 bottleneck).
    public static func loadResNet(depth: Int, boundary k: Int, weights: String,
                                  classifier: (Int) throws -> TrainableClassifier) throws -> FineTuneModel {
        guard let v = ResNet.variants[depth] else {
            preconditionFailure("FineTuneModel.loadResNet: depth must be one of \(ResNet.variants.keys.sorted()), got \(depth)")
        }
        precondition((0...3).contains(k), "FineTuneModel.loadResNet: boundary stage must be 0 (stem)…3, got \(k)")
        guard FileManager.default.fileExists(atPath: weights) else {
            throw FineTuneError("\(weights): no such file. ResNet weights are not installed with Thaw: pass --weights with the "
                                + "torchvision state dict (.pth or .safetensors) the cache was extracted with")
        }
        let store = try ParameterStore(path: weights, rules: KeyRule.dataParallel + KeyRule.checkpointWrappers + KeyRule.batchNormCounters)
        let source: (String, [Int]) throws -> [Float] = { key, shape in
            do { return try store.take(key, shape: shape) } catch {
                throw FineTuneError("\(weights): \(error). Fix: pass the torchvision resnet\(depth) state dict the cache was extracted with")
            }
        }
        var channels = k == 0 ? 64 : (v.bottleneck ? 256 : 64) << (k - 1)   // output width of stage K
        var blocks: [TrainableResNetBlock] = []
        for s in k..<4 {
            let width = 64 << s
            for b in 0..<v.blocks[s] {
                let block = try TrainableResNetBlock(prefix: "layer\(s + 1).\(b)", bottleneck: v.bottleneck, inChannels: channels,
                                                     width: width, stride: b == 0 && s > 0 ? 2 : 1, parameters: source)
                channels = block.outChannels
                blocks.append(block)
            }
        }
        return FineTuneModel(resNetBlocks: blocks, classifier: try classifier(channels))
    }
}
