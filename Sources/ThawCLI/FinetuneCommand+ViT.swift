import ThawBackbones
import ThawFineTune
import ThawStore

// MARK: - Vision-transformer caches (blocks.K tokens)

extension FinetuneCommand {
    /// A ViT cache's weights, read once for the whole command (`--unfreeze`'s depth, the boundary, the run, the
    /// export); nil for every other family.
    func vitCheckpoint(_ reader: CacheReader, weights: String) throws -> ViTCheckpoint? {
        guard let entry = try? ModelCatalog.named(reader.manifest.backbone), case .vit = entry.architecture else { return nil }
        return try ViTCheckpoint.load(backbone: entry.name, weights: weights)
    }

    /// Without --from or --unfreeze: a ViT's boundary (the top quarter of its blocks, the depth read from its weights)
    /// when that tap is cached; nil otherwise (the registry then takes the deepest cached tap).
    func vitBoundary(_ reader: CacheReader, vit: ViT?) -> String? {
        guard let vit, let entry = try? ModelCatalog.named(reader.manifest.backbone),
              let boundary = entry.architecture.fineTuneBoundary(encoderLayers: vit.configuration.depth)?.description,
              reader.manifest.taps.contains(where: { $0.name == boundary }) else { return nil }
        return boundary
    }

    func runViT(_ o: FineTuneOptions, cache reader: CacheReader, plan: FineTunePlan, checkpoint vit: ViTCheckpoint?) throws {
        let printer = FineTuneProgressPrinter(quiet: json, checkpoint: checkpoint)
        let result = try ViTFineTuneRun.run(o, cache: reader, plan: plan, checkpoint: vit, commandLine: CommandLine.arguments,
                                            onLoaded: { printer.loaded($0) }) { printer.handle($0) }
        let (record, url) = try RunName.save(result.record, name: name, beside: cache)
        if json { return try printJSON(record) }
        printSummary(validation: result.validation, test: result.test, outcome: result.outcome,
                     speed: "token maps/s (train)", record: record, url: url)
    }
}
