/// A head trained on one tap, as `docs/bundle-format.md` describes it: the description fields
/// plus the tensors under `head.` (torch `nn.Linear` layout, `weight` is [out, in]).
public struct ONNXHeadSpec: Sendable {
    /// `f32`, `f16` or `bf16`: the dtype the head was trained on; the tap is rounded to it.
    public var tapDType: String
    /// `none`, `avg`, `max`, `avgmax` or `gem`.
    public var pooling: String
    /// `linear`, `mlp` or `logistic` (a logistic head is a linear one: only `head.out.*`).
    public var type: String
    /// Hidden widths, `[]` for linear and logistic heads.
    public var hidden: [Int]
    /// `relu` or `gelu` (exact, erf).
    public var activation: String
    public var layerNorm: Bool
    /// `head.fc1.weight` [H1, D], …, `head.out.weight` [K, W], `head.gem.p` [1], by full name.
    public var tensors: [String: (shape: [Int], values: [Float])]

    public init(tapDType: String, pooling: String, type: String, hidden: [Int], activation: String, layerNorm: Bool,
                tensors: [String: (shape: [Int], values: [Float])]) {
        self.tapDType = tapDType; self.pooling = pooling; self.type = type; self.hidden = hidden
        self.activation = activation; self.layerNorm = layerNorm; self.tensors = tensors
    }
}
