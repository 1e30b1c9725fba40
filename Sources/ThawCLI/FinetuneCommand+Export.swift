import Foundation
import ThawBackbones
import ThawBundle
import ThawFineTune
import ThawRuns
import ThawWeights

// MARK: - `thaw finetune --export FILE`

extension FinetuneCommand {
    /// The export line of the text summary, with the commands that use the file.
    func printExport(_ record: RunRecord) {
        guard case .string(let path)? = record.config["export"] else { return }
        let backbone: String
        if case .string(let b)? = record.config["backbone"] { backbone = b } else { backbone = "MODEL" }
        print("export      → \(path)")
        print("             predict: thaw predict --bundle \(path) INPUTS…")
        print("             use: thaw extract --model \(backbone) --weights \(path) …"
              + ([.efficientNetLite, .mobileNetV2].contains((try? ModelCatalog.named(backbone))?.family) ? ";  thaw classify --model \(backbone) --weights \(path) IMAGE…" : ""))
    }
}

/// Reading back what `thaw finetune --export` wrote.
enum FineTunedWeights {
    /// The class names stored in a fine-tuned export (nil for other weight files, e.g. ImageNet checkpoints).
    static func classNames(_ path: String?) -> [String]? {
        guard let path, path.hasSuffix(".safetensors"), let file = try? WeightFile.load(path) else { return nil }
        if file.metadata["format"] == ModelBundle.format { return (try? ModelBundle.read(path))?.description.classes }
        guard file.metadata["format"] == FineTuneExport.format, let text = file.metadata["class_names"] else { return nil }
        return try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}
