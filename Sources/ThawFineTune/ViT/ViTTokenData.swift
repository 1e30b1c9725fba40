import ThawBackbones
import ThawCore
import ThawHeads
import ThawRuns
import ThawStore

/// The cached tokens a ViT fine-tune reads, as `FineTuneRun` reads maps: all in memory in one permutation per
/// epoch when they fit the default budget (frozen blocks run once per sample), else — or with `--memory-budget` —
/// through `TapMaps` in shuffled blocks, streamed from LMDB when over the budget (frozen blocks on each chunk).
struct ViTTokenData {
    let data: TapData
    /// The in-memory sets (default order), or nil when read through `maps`.
    let memory: (train: FeatureSet, validation: FeatureSet, test: FeatureSet?)?
    let maps: TapMaps?
    let notes: [String]
    let blockSize: Int

    var trainRows: Int { memory?.train.count ?? data.trainIndices.count }

    /// `reservedBytes`: what training keeps beside the tokens (weights, optimizer state, a chunk's activations).
    static func load(reader: CacheReader, tap: String, options o: FineTuneOptions, reservedBytes: Int,
                     frozen: FrozenBlocks?, plan: FineTunePlan) throws -> ViTTokenData {
        let manifest = reader.manifest
        let rowBytes = manifest.taps.first { $0.name == tap }!.shape.reduce(1, *) * 4
        let reserved = reservedBytes + o.batch * rowBytes
        let budget = try FineTuneBudget.check(o, tap: tap, rowBytes: rowBytes, reserved: reserved, manifest: manifest)
        let data = try TapData.load(reader: reader, tap: tap, options: TapLoadOptions(memoryBudget: budget, seed: o.seed, reservedBytes: reserved))
        let byBlocks = o.memoryBudget != nil || data.isStreamed
        var notes = data.fineTuneNotes(plan: plan, byBlocks: byBlocks)
        let blockSize = min(o.blockSize, data.maxBlockRows)
        if byBlocks {
            notes.append(String(format: "tokens read in shuffled blocks of %d samples (%@, budget %.0f MB)", blockSize,
                                data.blockSourceText(blockSize: blockSize), Double(budget) / 1_048_576))
            return ViTTokenData(data: data, memory: nil, maps: try TapMaps(data: data, blockSize: blockSize, frozen: frozen),
                                notes: notes, blockSize: blockSize)
        }
        func through(_ set: FeatureSet) throws -> FeatureSet {
            guard let frozen else { return set }
            let y = try frozen.runAll(set.features, count: set.count, rowShape: set.rowShape)
            // The blocks give tokens [T, C]; the sets keep TapData's [T, 1, C].
            return try FeatureSet(name: set.name, features: y.x, labels: set.labels, rowShape: [y.shape[0], 1, y.shape[1]])
        }
        let memory = (try through(try data.trainingSet()), try through(data.validation), try data.test.map(through))
        return ViTTokenData(data: data, memory: memory, maps: nil, notes: notes, blockSize: blockSize)
    }

    /// The reading order in the run record (as `FineTuneRun` writes it).
    func describe(into config: inout [String: JSONValue], options o: FineTuneOptions) {
        config["views"] = .number(Double(data.views))
        config["carved_validation"] = .bool(data.carvedValidation)
        guard maps != nil else { return }
        config["order"] = .string("blocks"); config["block_size"] = .number(Double(blockSize))
        config["memory_budget"] = .number(Double(o.memoryBudget ?? TapLoadOptions.defaultMemoryBudget))
        config["streamed"] = .bool(data.isStreamed)
    }
}
