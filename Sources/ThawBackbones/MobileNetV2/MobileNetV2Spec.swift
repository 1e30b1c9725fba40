/// torchvision's MobileNetV2 (width 1.0) as a table: Sandler et al. 2018, Table 2.
public enum MobileNetV2Spec {
    public static let stemChannels = 32
    public static let headChannels = 1280
    /// torchvision's `nn.BatchNorm2d` default.
    public static let batchNormEps: Float = 1e-5

    /// Stages: (expand ratio t, output channels c, repeats n, stride of the first block s).
    static let stages: [(t: Int, c: Int, n: Int, s: Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    /// The 17 inverted-residual blocks `features.1` … `features.17`, all 3×3 depthwise. Skip when
    /// stride 1 and in == out (torchvision's `use_res_connect`): 10 of the 17.
    public static var blocks: [EfficientNetBlockSpec] {
        var specs: [EfficientNetBlockSpec] = []
        var inChannels = stemChannels
        for st in stages {
            for j in 0..<st.n {
                specs.append(EfficientNetBlockSpec(kernel: 3, stride: j == 0 ? st.s : 1, expandRatio: st.t,
                                                   inChannels: inChannels, outChannels: st.c))
                inChannels = st.c
            }
        }
        return specs
    }
}
