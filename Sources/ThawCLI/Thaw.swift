import ArgumentParser
import ThawCore

@main
struct Thaw: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thaw",
        abstract: "Transfer learning on a CPU: extract features once, train heads in seconds, fine-tune the top.",
        discussion: """
            A typical session:
              thaw doctor                          check BLAS kernel, threads, installed weights and data
              thaw weights inspect FILE            list the tensors in a .pth or .safetensors file
              thaw extract --model M --data D --cache cache/NAME   run the backbone once into a feature cache
            """,
        version: thawVersion,
        subcommands: [
            DoctorCommand.self,
            WeightsCommand.self,
            CacheCommand.self,
            ExtractCommand.self,
            ClassifyCommand.self,
            FitCommand.self, SweepCommand.self, FinetuneCommand.self,
            RunsCommand.self, CompareCommand.self, ReportCommand.self,
            PredictCommand.self, BundleCommand.self, ExportCommand.self,
            ModelsCommand.self, EmbedCommand.self,
        ])
}
