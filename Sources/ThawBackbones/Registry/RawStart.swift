/// Where fine-tuning EfficientNet-Lite from raw images starts: what runs frozen and what trains.
public enum RawStart: Equatable, Sendable {
    /// `--from input`: the whole network trains, stem included.
    case input
    /// `--from stem` (`block` = -1) or `--from blocks.K`: the stem (and blocks 0…K) run frozen,
    /// blocks K+1…last train.
    case after(block: Int)

    /// `input`, `stem` or `blocks.K`; nil for any other tap.
    public init?(_ tap: TapName) {
        switch tap {
        case .input: self = .input
        case .stem: self = .after(block: -1)
        case .blocks(let k): self = .after(block: k)
        default: return nil
        }
    }

    /// The tap it starts from.
    public var tap: TapName {
        switch self {
        case .input: return .input
        case .after(let k): return k < 0 ? .stem : .blocks(k)
        }
    }

    /// The frozen backbone's cut point whose output the trained part takes, or nil (`input`).
    public var frozenTap: String? { self == .input ? nil : tap.description }

    /// Index of the first trained block.
    public var firstTrainedBlock: Int {
        switch self {
        case .input: return 0
        case .after(let k): return k + 1
        }
    }
}
