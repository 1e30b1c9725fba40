import ThawInputs
import ThawStore

/// How an extraction runs. Only `taps`, `dtype`, `shard`, `views` and the selection reach the
/// manifest; `batchSize`, `decodeWorkers` and `decodeBytes` change speed and memory, never bytes.
public struct ExtractOptions: Sendable {
    /// Cut-point names to store, in record order.
    public var taps: [String]
    public var dtype: DType
    /// Samples decoded per pipeline batch, rounded up to whole forward blocks (`Extractor.forwardBlock`),
    /// and per forward when the backbone computes each sample alone (`Extractor.forwardSamples`); it
    /// changes memory and speed, never bytes.
    public var batchSize: Int
    public var shard: ShardSpec
    /// Augmented views per training image (0 = centre crop only). The manifest's `views` is
    /// `augmentedViews + 1`: view 0 is the centre crop, views 1…K random crops.
    public var augmentedViews: Int
    public var onError: OnError
    /// At most this many samples per split (a stratified, deterministic subset).
    public var limit: Int?
    public var split: StratifiedSplit
    public var decodeWorkers: Int
    /// Bytes of full-size decoded images (RGB u8) the decode workers may hold at once (`DecodeBudget`;
    /// one image over it still decodes, alone).
    public var decodeBytes = DecodeBudget.defaultBytes

    public init(taps: [String], dtype: DType = .f16, batchSize: Int = 16, shard: ShardSpec = .whole,
                augmentedViews: Int = 0, onError: OnError = .stop, limit: Int? = nil,
                split: StratifiedSplit = StratifiedSplit(), decodeWorkers: Int = 2) {
        precondition(!taps.isEmpty, "name at least one tap")
        precondition(batchSize >= 1, "batchSize must be ≥ 1")
        precondition(augmentedViews >= 0 && augmentedViews < Int(UInt16.max), "augmentedViews must be in 0..<65535")
        self.taps = taps; self.dtype = dtype; self.batchSize = batchSize; self.shard = shard
        self.augmentedViews = augmentedViews; self.onError = onError; self.limit = limit
        self.split = split; self.decodeWorkers = decodeWorkers
    }
}

/// What one `Extractor.run` did.
public struct ExtractSummary: Sendable {
    /// Samples run through the backbone (or skipped) in this run.
    public var samplesProcessed = 0
    /// Records appended in this run.
    public var recordsWritten = 0
    /// Records committed in the cache at the end (all runs).
    public var recordsCommitted = 0
    /// Files skipped under `OnError.skip` in this run: cache index, sample id, reason.
    public var skipped: [(index: Int, id: String, reason: String)] = []
    /// The shard range is fully committed.
    public var complete = false
    /// The run stopped early on request (its work so far is committed).
    public var stopped = false

    public init() {}
}
