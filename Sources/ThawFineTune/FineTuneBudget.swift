import Foundation
import ThawHeads
import ThawStore

/// The memory budget a fine-tuning run reads its cached maps or tokens under.
enum FineTuneBudget {
    /// `--memory-budget` (or the default), checked to hold one block of `tap` rows (`rowBytes` each, at least one
    /// batch) beside the process, `reserved` bytes of training state (weights, gradients, optimizer state, a batch
    /// and a chunk's activations) and the cache reads of `manifest`. Throws with the budget that would do.
    static func check(_ o: FineTuneOptions, tap: String, rowBytes: Int, reserved: Int, manifest: Manifest) throws -> Int {
        let budget = o.memoryBudget ?? TapLoadOptions.defaultMemoryBudget
        let rows = min(o.batch, o.blockSize)
        let oneBlock = rows * rowBytes
        let scan = TapData.scanBytes(taps: manifest.taps)
        let needed = MemoryBudget.fixedCost + reserved + scan + oneBlock
        guard budget >= needed else {
            let mb = { (b: Int) in String(format: "%.1f MB", Double(b) / 1_048_576) }
            throw FineTuneError("--memory-budget \(mb(budget)) cannot hold one block of \(rows) \(tap) maps "
                                + "(\(mb(oneBlock))) beside the process (\(mb(MemoryBudget.fixedCost)) fixed), the trained blocks "
                                + "(\(mb(reserved)): weights, gradients, optimizer state, a batch and a chunk's activations) and the "
                                + "cache reads (\(mb(scan))). Fix: give --memory-budget \(Int((Double(needed) / 1_048_576).rounded(.up)))M "
                                + "or more, or lower --batch / --chunk")
        }
        return budget
    }
}
