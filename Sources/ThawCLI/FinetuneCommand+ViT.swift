import ThawBackbones
import ThawFineTune
import ThawStore

// MARK: - Vision-transformer caches (blocks.K tokens)

extension FinetuneCommand {
    /// Without --from or --unfreeze: a ViT's boundary (the top quarter of its blocks, the depth read from `weights`)
    /// when that tap is cached; nil otherwise (the registry then takes the deepest cached tap).
    func vitBoundary(_ reader: CacheReader, weights: String) throws -> String? {
        guard let entry = try? ModelCatalog.named(reader.manifest.backbone), case .vit = entry.architecture,
              let depth = (try entry.load(weights) as? ViT)?.configuration.depth,
              let boundary = entry.architecture.fineTuneBoundary(encoderLayers: depth)?.description,
              reader.manifest.taps.contains(where: { $0.name == boundary }) else { return nil }
        return boundary
    }

    func runViT(_ o: FineTuneOptions, cache reader: CacheReader, plan: FineTunePlan) throws {
        let printer = FineTuneProgressPrinter(quiet: json, checkpoint: checkpoint)
        let result = try ViTFineTuneRun.run(o, cache: reader, plan: plan, commandLine: CommandLine.arguments,
                                            onLoaded: { printer.loaded($0) }) { printer.handle($0) }
        let (record, url) = try RunName.save(result.record, name: name, beside: cache)
        if json { return try printJSON(record) }
        printSummary(validation: result.validation, test: result.test, outcome: result.outcome,
                     speed: "token maps/s (train)", record: record, url: url)
    }
}
