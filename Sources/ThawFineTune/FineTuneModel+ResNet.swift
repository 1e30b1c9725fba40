import Foundation
import ThawBackbones
import ThawWeights

extension FineTuneModel {
    /// The depth of a torchvision ResNet backbone name ("resnet50" → 50), or nil for other families.
    public static func resNetDepth(backbone: String) -> Int? {
        guard backbone.hasPrefix("resnet"), let d = Int(backbone.dropFirst("resnet".count)), ResNet.variants[d] != nil else { return nil }
        return d
    }

    /// The stage K of a ResNet cut a fine-tuning run can start from: `stem` → 0, `layer1`…`layer3` → 1…3
    /// (stages K+1…4 are trained); nil for any other name (`layer4` and `pool` leave nothing to train).
    public static func resNetBoundary(_ tap: String) -> Int? {
        if tap == "stem" { return 0 }
        guard tap.hasPrefix("layer"), let k = Int(tap.dropFirst("layer".count)), (1...3).contains(k) else { return nil }
        return k
    }

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
