/// The architecture of one head: linear (no hidden layers) or an MLP with 1–2 hidden layers.
/// Each hidden layer is Linear → [LayerNorm] → activation → [dropout].
public struct HeadShape: Codable, Hashable, Sendable, CustomStringConvertible {
    public var hidden: [Int]
    public var activation: Activation
    public var dropout: Float
    public var layerNorm: Bool

    public init(hidden: [Int] = [], activation: Activation = .relu, dropout: Float = 0, layerNorm: Bool = false) {
        precondition(hidden.count <= 2, "HeadShape: at most 2 hidden layers")
        precondition(hidden.allSatisfy { $0 > 0 }, "HeadShape: hidden widths must be positive")
        precondition(dropout >= 0 && dropout < 1, "HeadShape: dropout must be in [0, 1)")
        self.hidden = hidden
        self.activation = activation
        self.dropout = dropout
        self.layerNorm = layerNorm
    }

    /// Softmax regression.
    public static let linear = HeadShape()

    public var description: String {
        if hidden.isEmpty { return "linear" }
        var s = "mlp" + hidden.map { "-\($0)" }.joined() + "-\(activation.rawValue)"
        if layerNorm { s += "-ln" }
        if dropout > 0 { s += "-do\(dropout)" }
        return s
    }
}
