/// The architecture families Thaw builds; `rawValue` is the name `thaw models` prints.
public enum ModelFamily: String, CaseIterable, Sendable {
    case efficientNetLite = "efficientnet-lite"
    case mobileNetV2 = "mobilenet-v2"
    case resNet = "resnet"
    case bert = "bert"
    case mpnet = "mpnet"
    case vit = "vit"
    case convNeXt = "convnext"

    /// BatchNorm momentum the family was trained with, in PyTorch's convention (lukemelas
    /// EfficientNet-Lite 0.01, torchvision 0.1); nil for BERT (LayerNorm only).
    public var batchNormMomentum: Float? {
        switch self {
        case .efficientNetLite: return 0.01
        case .mobileNetV2, .resNet: return 0.1
        case .bert, .mpnet, .vit, .convNeXt: return nil
        }
    }

    /// Checkpoint prefix of the ImageNet classifier: lukemelas `_fc`, torchvision ResNet `fc`, MobileNetV2
    /// `classifier.1` (after its dropout `classifier.0`), BERT none
    /// (a fine-tuned BERT's classifier is exported under Hugging Face's `classifier`).
    public var classifierKey: String {
        switch self {
        case .efficientNetLite, .bert, .mpnet: return "_fc"
        case .resNet: return "fc"
        case .mobileNetV2: return "classifier.1"
        case .vit: return "head"
        case .convNeXt: return "head.fc"
        }
    }
}

/// One architecture of a family, with what sets its shape.
public enum Architecture: Sendable {
    case efficientNetLite(variant: Int)
    case mobileNetV2
    case resNet(depth: Int)
    /// nil: the sizes are read from the weights (a generic BERT).
    case bert(BertConfiguration?)
    /// MPNet (a BERT-shaped encoder with relative position buckets, `EncoderFlavor.mpnet`); nil: sizes
    /// read from the weights. Fine-tunes as BERT does (cached `layer.K`); the shared relative position
    /// bias table stays frozen (the frozen layers below use it too).
    case mpnet(BertConfiguration?)
    /// Vision transformers (DINOv2, CLIP, DeiT); sizes read from the weights. Fine-tuning trains the top
    /// blocks, the final norm, the pooling's projection (CLIP) and a classifier from cached `blocks.K` tokens.
    case vit
    /// ConvNeXt (T/S by name, any sizes as `convnext`): stages train from cached `stem` / `stages.K` maps.
    case convNeXt

    /// Whether `thaw finetune` can train this architecture (every family can).
    public var isFineTunable: Bool {
        switch self {
        case .efficientNetLite, .resNet, .bert, .mpnet, .vit, .convNeXt, .mobileNetV2: return true
        }
    }

    public var family: ModelFamily {
        switch self {
        case .efficientNetLite: return .efficientNetLite
        case .mobileNetV2: return .mobileNetV2
        case .resNet: return .resNet
        case .bert: return .bert
        case .mpnet: return .mpnet
        case .vit: return .vit
        case .convNeXt: return .convNeXt
        }
    }
}
