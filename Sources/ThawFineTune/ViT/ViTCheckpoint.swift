import ThawBackbones
import ThawWeights

/// A vision transformer's weight file read once for fine-tuning: the frozen model (`ViT`, for `--unfreeze`'s depth,
/// the boundary and the frozen blocks) and the open file it was built from, from which the trainable top
/// (`ViTFineTuneModel.load(_:file:…)`) is read without opening and parsing the file again. (Before, `thaw finetune`
/// parsed a ViT checkpoint up to three times: boundary or `--unfreeze`, the run, the top.)
///
/// The file is memory-mapped and every page was touched while the model was built: held through training, its
/// pages would count in the process's resident memory (+86 MB for ViT-S/14). `takeFile()` hands it over once and
/// lets it go; `--export`, which copies every tensor of the original, maps it again when it writes.
public final class ViTCheckpoint {
    public let vit: ViT
    private var file: WeightFile?

    init(vit: ViT, file: WeightFile) { self.vit = vit; self.file = file }

    /// Opens `weights` (a file, or a Hugging Face folder's weight file) as the catalog's ViT `backbone`.
    public static func load(backbone: String, weights: String) throws -> ViTCheckpoint {
        let file = try WeightFile.load(try WeightFolder.weightFile(weights))
        return ViTCheckpoint(vit: try ViT.load(catalogName: backbone, file: file), file: file)
    }

    /// The open file, once: the checkpoint forgets it (nil on a second call), so it is unmapped when the caller is done.
    public func takeFile() -> WeightFile? {
        defer { file = nil }
        return file
    }
}
