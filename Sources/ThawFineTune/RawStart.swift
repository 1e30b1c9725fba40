import ThawBackbones

/// Where fine-tuning from raw images starts: what runs frozen and what trains.
public enum RawStart: Equatable, Sendable {
    /// `--from input`: the whole network trains, stem included.
    case input
    /// `--from stem` (`block` = -1) or `--from blocks.K`: the stem (and blocks 0…K) run frozen,
    /// blocks K+1…last train.
    case after(block: Int)

    /// Parses `input`, `stem` or `blocks.K`; nil for anything else.
    public init?(_ from: String) {
        if from == "input" { self = .input; return }
        if from == "stem" { self = .after(block: -1); return }
        guard let k = FineTuneModel.boundaryIndex(from) else { return nil }
        self = .after(block: k)
    }

    /// The frozen backbone's cut point whose output the trained part takes, or nil (`input`).
    public var frozenTap: String? {
        switch self {
        case .input: return nil
        case .after(let k): return k < 0 ? "stem" : "blocks.\(k)"
        }
    }

    /// Index of the first trained block.
    public var firstTrainedBlock: Int {
        switch self {
        case .input: return 0
        case .after(let k): return k + 1
        }
    }
}
