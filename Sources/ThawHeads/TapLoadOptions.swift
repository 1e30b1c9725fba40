import ThawCore

/// How `TapData.load` reads a cache.
public struct TapLoadOptions: Sendable {
    /// Peak resident bytes the process may use (see `MemoryBudget`): when every split of the tap fits
    /// beside `fixedCost` and `reservedBytes` it is loaded; otherwise train, validation and test are
    /// streamed from LMDB, train in blocks of at most `TapData.maxBlockRows` rows.
    public var memoryBudget: Int
    /// Read a cache whose writer has not finished (`complete` flag false).
    public var allowIncomplete: Bool
    /// Fraction of each class carved out of train when the cache has no validation split.
    public var validationFraction: Double
    /// Seeds the carved validation split.
    public var seed: UInt64
    /// Carve a validation split out of train when the cache has none (false: validation stays empty,
    /// as `thaw sweep --folds` validates on held-out folds of all of train).
    public var carveValidation = true
    /// Bytes the caller keeps beside the features (heads, optimizer state, batches: `MemoryBudget.headsBytes`).
    public var reservedBytes: Int
    /// Resident bytes of the process before any data (`MemoryBudget.fixedCost`; tests pass 0).
    public var fixedCost: Int
    /// Streamed only: most blocks of rows read from LMDB (and decoded to float32) on a second thread
    /// ahead of the one being trained on or evaluated, each counted in the budget — fewer when the
    /// budget has no room for them; 0 reads on the calling thread. Never changes a number.
    public var readAheadBlocks = 2

    public init(memoryBudget: Int = TapLoadOptions.defaultMemoryBudget, allowIncomplete: Bool = false,
                validationFraction: Double = 0.1, seed: UInt64 = 0, reservedBytes: Int = 0,
                fixedCost: Int = MemoryBudget.fixedCost) {
        precondition(memoryBudget >= 0 && reservedBytes >= 0 && fixedCost >= 0, "TapLoadOptions: byte counts must be ≥ 0")
        self.memoryBudget = memoryBudget
        self.allowIncomplete = allowIncomplete
        self.validationFraction = validationFraction
        self.seed = seed
        self.reservedBytes = reservedBytes
        self.fixedCost = fixedCost
    }

    /// `MemoryBudget.defaultBudget`.
    public static var defaultMemoryBudget: Int { MemoryBudget.defaultBudget }
}
