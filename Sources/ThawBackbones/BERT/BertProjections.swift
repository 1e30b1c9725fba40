import ThawKernels

/// One encoder layer's GEMM layers: the stacked attention (qkv [3C, C], output [C, C]), intermediate
/// [I, C] and output [C, I] — as Hugging Face stores them, for OpenBLAS, or repacked once at load for the
/// AVX-512 panel kernel (`PanelSelfAttention`, `PanelLinear`; the originals are dropped then, so the
/// weights are held once).
///
/// MPNet keeps the OpenBLAS form: its relative position bias enters the attention scores, which the
/// panel attention core does not take.
@_spi(Profile) public enum BertProjections: Sendable {
    case blas(attention: StackedSelfAttention, intermediate: LinearParameters, output: LinearParameters)
    case panels(attention: PanelSelfAttention, intermediate: PanelLinear, output: PanelLinear)

    /// The panel form when `panels` is allowed and `PanelLinear.packing` takes all four layers, else OpenBLAS.
    init(attention: StackedSelfAttention, intermediate: LinearParameters, output: LinearParameters, panels: Bool) {
        if panels, let a = PanelSelfAttention(attention), let up = PanelLinear.packing(intermediate),
           let down = PanelLinear.packing(output) {
            self = .panels(attention: a, intermediate: up, output: down)
        } else {
            self = .blas(attention: attention, intermediate: intermediate, output: output)
        }
    }
}
