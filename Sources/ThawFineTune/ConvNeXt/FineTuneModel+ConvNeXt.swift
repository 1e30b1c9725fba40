import Foundation
import ThawBackbones
import ThawWeights

extension FineTuneModel {
    /// Stages `firstStage`…3 (downsampling layers and blocks) and the head LayerNorm of the ConvNeXt state dict at
    /// `weights` — timm, torchvision or facebookresearch keys, widths and depths read from the tensors; only the keys
    /// of those stages are read — and `classifier`, given the pooled width and the layout's classifier key
    /// (timm `head.fc`, torchvision `classifier.2`, facebookresearch `head`).
    public static func loadConvNeXt(firstStage: Int, weights: String,
                                    classifier: (_ width: Int, _ key: String) throws -> TrainableClassifier) throws -> FineTuneModel {
        precondition((0...3).contains(firstStage), "FineTuneModel.loadConvNeXt: the first trained stage must be 0…3, got \(firstStage)")
        guard FileManager.default.fileExists(atPath: weights) else {
            throw FineTuneError("\(weights): no such file. ConvNeXt weights are not installed with Thaw: pass --weights with the "
                                + "checkpoint (.safetensors or .pth) the cache was extracted with")
        }
        let store = try ParameterStore(path: weights, rules: KeyRule.dataParallel + KeyRule.checkpointWrappers)
        let layout = try ConvNeXtKeyLayout.detect(Set(store.names), path: weights)
        let source: (String, [Int]) throws -> [Float] = { key, shape in
            do { return try store.take(key, shape: shape) } catch {
                throw FineTuneError("\(weights): \(error). Fix: pass the ConvNeXt checkpoint the cache was extracted with")
            }
        }
        let top = try TrainableConvNeXtTop(firstStage: firstStage, layout: layout, file: weights, shape: store.shape(of:), parameters: source)
        return FineTuneModel(convNeXt: top, classifier: try classifier(top.outputChannels, layout.classifier))
    }
}

extension TrainableConvNeXtTop {
    /// Stages `firstStage`…3 and the head norm from `parameters` (checkpoint keys of `layout`); widths and depths come
    /// from `shape` (nil: no such tensor). `file` names the checkpoint in errors.
    public convenience init(firstStage: Int, layout: ConvNeXtKeyLayout, file: String, shape: (String) -> [Int]?,
                            parameters: (String, [Int]) throws -> [Float]) throws {
        let fix = "Fix: pass the ConvNeXt checkpoint the cache was extracted with"
        func width(_ key: String) throws -> Int {
            guard let s = shape(key + ".weight"), let c = s.first, c > 0 else {
                throw FineTuneError("\(file): no tensor \(key).weight in this \(layout.rawValue) ConvNeXt checkpoint. \(fix)")
            }
            return c
        }
        // Width of the maps training starts from: stage (firstStage − 1)'s output; the stem's for stages 0 and 1.
        var channels = firstStage >= 2 ? try width(layout.downsample(firstStage - 1).conv) : try width(layout.stemConv)
        var stages: [Stage] = []
        for i in firstStage..<4 {
            var downsample: TrainableConvNeXtDownsample?
            if i > 0 {
                let out = try width(layout.downsample(i).conv)
                downsample = try TrainableConvNeXtDownsample(stage: i, inChannels: channels, outChannels: out, layout: layout, parameters: parameters)
                channels = out
            }
            var blocks: [TrainableConvNeXtBlock] = []
            while shape(layout.blockPrefix(stage: i, block: blocks.count) + layout.blockParts.dw + ".weight") != nil {
                blocks.append(try TrainableConvNeXtBlock(prefix: layout.blockPrefix(stage: i, block: blocks.count), channels: channels,
                                                         layout: layout, parameters: parameters))
            }
            guard !blocks.isEmpty else {
                throw FineTuneError("\(file): stage \(i) has no blocks (\(layout.blockPrefix(stage: i, block: 0))\(layout.blockParts.dw).weight "
                                    + "missing); is this a four-stage ConvNeXt? \(fix)")
            }
            stages.append(Stage(index: i, downsample: downsample, blocks: blocks))
        }
        let norm = layout.headNorm
        self.init(stages: stages,
                  headNormWeight: TrainableTensor(key: norm + ".weight", torchShape: [channels], torchValue: try parameters(norm + ".weight", [channels])),
                  headNormBias: TrainableTensor(key: norm + ".bias", torchShape: [channels], torchValue: try parameters(norm + ".bias", [channels])))
    }
}
