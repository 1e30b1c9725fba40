import ThawBackbones
import ThawStore

/// `thaw finetune --export FILE` of a ViT: every tensor of the original checkpoint (float32, the layout's
/// wrapper prefixes removed), the trained blocks, final norm and projection replaced, and the new classifier
/// as `fc.weight` / `fc.bias` — which the ViT loader reads as the `fc` cut point (logits on `pool`). The file
/// is a model bundle whose tap is `fc` (`thaw predict --bundle FILE IMAGES…`), and loads as `--weights` too.
enum ViTFineTuneExport {
    static func write(_ model: ViTFineTuneModel, options o: FineTuneOptions, manifest: Manifest, classNames: [String], run: String,
                      validationTop1: Double, testTop1: Double?, to path: String) throws {
        try FineTuneExport.write(model, original: o.weights, stripPrefixes: model.strippedPrefixes,
                                 metadata: FineTuneExport.metadata(backbone: manifest.backbone, from: o.from, classNames: classNames),
                                 bundle: FineTuneExport.bundle(manifest, tap: TapName.fc.description, width: classNames.count,
                                                               head: "finetuned", classes: classNames, run: run,
                                                               validationTop1: validationTop1, testTop1: testTop1),
                                 to: path)
    }
}
