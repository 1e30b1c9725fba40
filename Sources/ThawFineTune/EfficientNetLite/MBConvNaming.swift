import ThawBackbones
import ThawKernels

/// The two checkpoints an inverted-residual block is read from: the key names under its prefix, the
/// depthwise padding and the BatchNorm eps. The arithmetic of the block is the same for both.
public enum MBConvNaming: Sendable {
    /// lukemelas EfficientNet-Lite: `_expand_conv`, `_bn0`, `_depthwise_conv`, `_bn1`, `_project_conv`,
    /// `_bn2`; TF SAME padding (strided convolutions on even sizes pad one more after); eps 1e-3.
    case lukemelas
    /// torchvision MobileNetV2 `InvertedResidual`: `conv.0.0` expand, `conv.0.1` BN, `conv.1.0` depthwise,
    /// `conv.1.1` BN, `conv.2` project, `conv.3` BN — without expansion (t = 1) `conv.0.0` depthwise,
    /// `conv.0.1` BN, `conv.1` project, `conv.2` BN; symmetric padding k/2 (PyTorch's `padding=1`); eps 1e-5.
    case torchvision

    /// Full keys under `prefix`: the three convolutions' weights and the three BatchNorms' prefixes
    /// (`expand` and `bn0` nil without expansion).
    public func keys(prefix p: String, expands: Bool) -> (expand: String?, bn0: String?, depthwise: String, bn1: String,
                                                         project: String, bn2: String) {
        switch self {
        case .lukemelas:
            return (expands ? p + "._expand_conv.weight" : nil, expands ? p + "._bn0" : nil, p + "._depthwise_conv.weight",
                    p + "._bn1", p + "._project_conv.weight", p + "._bn2")
        case .torchvision where expands:
            return (p + ".conv.0.0.weight", p + ".conv.0.1", p + ".conv.1.0.weight", p + ".conv.1.1", p + ".conv.2.weight", p + ".conv.3")
        case .torchvision:
            return (nil, nil, p + ".conv.0.0.weight", p + ".conv.0.1", p + ".conv.1.weight", p + ".conv.2")
        }
    }

    /// The depthwise padding for a `kernel`×`kernel` window. Both give ceil(in / stride) outputs for odd kernels.
    public func depthwisePadding(kernel: Int) -> Padding2D {
        switch self {
        case .lukemelas: return .same
        case .torchvision: return .symmetric(kernel / 2)
        }
    }

    public var batchNormEps: Float {
        switch self {
        case .lukemelas: return EfficientNetLiteSpec.batchNormEps
        case .torchvision: return MobileNetV2Spec.batchNormEps
        }
    }
}
