import ArgumentParser
import Foundation
import ThawAssets
import ThawBackbones
import ThawBLAS

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print sentence embeddings (mean-pooled, L2-normalised) of texts with a BERT or MPNet model.",
        discussion: "Example: thaw embed --model all-minilm-l6-v2 \"The quick brown fox\" \"A lazy dog\"")

    @Option(help: "A text model from `thaw models` (all-minilm-l6-v2, all-mpnet-base-v2, or bert/mpnet with --weights).")
    var model = ModelCatalog.defaultTextModel

    @Option(help: "Model folder (model.safetensors + vocab.txt) or weight file; default: the installed weights.")
    var weights: String?

    @Flag(help: "Print one JSON object with the full vectors.")
    var json = false

    @Argument(help: "Texts to embed, one argument each.")
    var texts: [String]

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("Please provide at least one text to embed.") }
    }

    struct Report: Encodable {
        struct Embedding: Encodable { var text: String; var tokens: Int; var norm: Float; var vector: [Float] }
        var model: String
        var weights: String
        var dimension: Int
        var embeddings: [Embedding]
    }

    func run() throws {
        let entry = try ModelCatalog.named(model)
        guard case .text = entry.input else {
            throw ValidationError("\(entry.name) is an image model; `thaw embed` needs a text model (see `thaw models`).")
        }
        let path: String
        if let weights {
            path = weights
        } else if let asset = entry.defaultWeightsAsset.flatMap({ KnownAsset.named($0) }) {
            guard let found = asset.find() else {
                throw ValidationError("\(entry.name) weights are not installed: \(asset.installCommand) (or pass --weights DIR)")
            }
            path = found
        } else {
            throw ValidationError("\(entry.name) has no installed weights: pass --weights DIR (\(entry.weightsNote))")
        }
        try BLAS.load()
        guard let bert = try entry.load(path) as? BertBackbone else {
            throw ValidationError("\(entry.name) is not a BERT or MPNet model")
        }
        guard let tokenizer = bert.tokenizer else {
            throw ValidationError("\(path): no vocab.txt beside the weights; put the model's vocab.txt in the same folder")
        }
        let vectors = try bert.sentenceEmbeddings(texts)
        let tokens = tokenizer.encodeAll(texts).map(\.count)
        let report = Report(model: entry.name, weights: path, dimension: vectors.first?.count ?? 0,
                            embeddings: zip(texts, zip(tokens, vectors)).map { text, tv in
                                .init(text: text, tokens: tv.0, norm: tv.1.reduce(0) { $0 + $1 * $1 }.squareRoot(), vector: tv.1)
                            })
        if json { try printJSON(report); return }
        print("\(report.model): \(report.embeddings.count) text(s), dimension \(report.dimension)")
        for (i, e) in report.embeddings.enumerated() {
            let shown = e.text.count > 48 ? String(e.text.prefix(47)) + "…" : e.text
            let head = e.vector.prefix(6).map { String(format: "%+.4f", $0) }.joined(separator: " ")
            print("[\(i)] \(shown.debugDescription)  tokens \(e.tokens)  norm \(String(format: "%.4f", e.norm))  [\(head) …]")
        }
    }
}
