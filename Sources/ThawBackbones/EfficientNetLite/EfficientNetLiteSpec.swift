/// One inverted-residual block of EfficientNet-Lite: [1×1 expand] → k×k depthwise → 1×1 project (+ skip).
public struct EfficientNetBlockSpec: Equatable, Sendable {
    public var kernel: Int
    public var stride: Int
    public var expandRatio: Int
    public var inChannels: Int
    public var outChannels: Int

    /// Width of the depthwise stage: in × expand.
    public var midChannels: Int { inChannels * expandRatio }
    /// Identity skip: only when the block keeps both resolution and width.
    public var hasSkip: Bool { stride == 1 && inChannels == outChannels }
}

/// The EfficientNet-Lite0…4 family as the TF `efficientnet_lite_builder` defines it.
public enum EfficientNetLiteSpec {
    /// Stem and head widths are never scaled in the Lite variants.
    public static let stemChannels = 32
    public static let headChannels = 1280
    public static let batchNormEps: Float = 1e-3

    /// B0 stages: (kernel, stride, expand ratio, output channels, repeats).
    static let baseStages: [(k: Int, s: Int, e: Int, c: Int, r: Int)] = [
        (3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3),
        (5, 1, 6, 112, 3), (5, 2, 6, 192, 4), (3, 1, 6, 320, 1),
    ]

    /// (width multiplier, depth multiplier, native resolution) of lite0…lite4.
    public static let multipliers: [(width: Double, depth: Double, resolution: Int)] = [
        (1.0, 1.0, 224), (1.0, 1.1, 240), (1.1, 1.2, 260), (1.2, 1.4, 280), (1.4, 1.8, 300),
    ]

    /// TF channel rounding: to a multiple of 8, never below 90% of the scaled width.
    public static func roundFilters(_ c: Int, width: Double) -> Int {
        let scaled = Double(c) * width
        var rounded = max(8, Int(scaled + 4) / 8 * 8)
        if Double(rounded) < 0.9 * scaled { rounded += 8 }
        return rounded
    }

    /// Every block of lite`variant` in execution order (16, 21, 21, 24, 30 blocks).
    public static func blocks(variant: Int) -> [EfficientNetBlockSpec] {
        precondition((0...4).contains(variant), "EfficientNet-Lite variant must be 0…4, got \(variant)")
        let (width, depth, _) = multipliers[variant]
        var specs: [EfficientNetBlockSpec] = []
        var inChannels = stemChannels
        for (i, st) in baseStages.enumerated() {
            let out = roundFilters(st.c, width: width)
            // Lite keeps the first and last stage at one repeat.
            let repeats = (i == 0 || i == baseStages.count - 1) ? st.r : Int((Double(st.r) * depth).rounded(.up))
            for j in 0..<repeats {
                specs.append(EfficientNetBlockSpec(kernel: st.k, stride: j == 0 ? st.s : 1, expandRatio: st.e,
                                                   inChannels: inChannels, outChannels: out))
                inChannels = out
            }
        }
        return specs
    }
}
