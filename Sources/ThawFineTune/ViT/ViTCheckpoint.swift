import ThawBackbones
import ThawWeights

/// A vision transformer's weight file read once for fine-tuning: the frozen model (`ViT`, for `--unfreeze`'s depth,
/// the boundary and the frozen blocks) and the open file it was built from, which the trainable top
/// (`ViTFineTuneModel.load(_:file:…)`) and `--export` read without opening and parsing it again.
/// (Before, `thaw finetune` parsed a ViT checkpoint up to three times: boundary or `--unfreeze`, the run, the top.)
public struct ViTCheckpoint {
    public let vit: ViT
    /// Memory-mapped: its pages are the file's, shared with the page cache.
    public let file: WeightFile

    /// Opens `weights` (a file, or a Hugging Face folder's weight file) as the catalog's ViT `backbone`.
    public static func load(backbone: String, weights: String) throws -> ViTCheckpoint {
        let file = try WeightFile.load(try WeightFolder.weightFile(weights))
        return ViTCheckpoint(vit: try ViT.load(catalogName: backbone, file: file), file: file)
    }
}
