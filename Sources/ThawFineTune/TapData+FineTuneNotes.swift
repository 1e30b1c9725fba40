import ThawBackbones
import ThawHeads

extension TapData {
    /// What a fine-tuning run prints about reading this tap: the loader's notes, the blocks that run frozen
    /// between the cached tap and `--from`, and how augmented views are used (`byBlocks`: read in shuffled blocks).
    func fineTuneNotes(plan: FineTunePlan, byBlocks: Bool) -> [String] {
        var notes = self.notes
        if let note = plan.frozenBlocksNote {
            notes.append(note + (byBlocks ? ", on each chunk as it is read" : ", once per sample before training"))
        }
        if views > 1 {
            notes.append("the cache holds \(views) views per sample: "
                         + (byBlocks ? "epoch e trains on view e mod \(views)" : "every epoch trains on all of them"))
        }
        return notes
    }

    /// Where blocks of `blockSize` samples come from, for the run's note: "in memory", or "streamed from LMDB"
    /// and how many blocks are read ahead on a second thread (`readAheadDepth`).
    func blockSourceText(blockSize: Int) -> String {
        guard isStreamed else { return "in memory" }
        let ahead = readAheadDepth(rows: blockSize)
        return "streamed from LMDB, " + (ahead == 0 ? "no room in the budget to read a block ahead" : "\(ahead) block\(ahead == 1 ? "" : "s") read ahead")
    }
}
