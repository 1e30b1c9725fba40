import Foundation
import ThawBundle
import ThawInputs
import ThawText

/// What a bundle's backbone eats, rebuilt from the bundle's `preprocessing` text.
public enum BundleInput {
    case image(Preprocessing)
    /// Texts padded to the tokenizer's `maxLength`, as the cache was.
    case text(BertTokenizer)

    /// Decodes the preprocessing the cache recorded. Text bundles read the vocabulary from `tokenizerFolder`.
    static func from(_ bundle: ModelBundle, tokenizerFolder: URL) throws -> BundleInput {
        let d = bundle.description
        func bad(_ problem: String) -> PredictError {
            PredictError(file: bundle.path, problem: problem, fix: "write the bundle again with `thaw fit --export`")
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(d.preprocessing.utf8))) as? [String: Any]
        switch d.input {
        case .image:
            guard let p = Preprocessing(manifestText: d.preprocessing) else { throw bad("its image preprocessing does not parse") }
            guard (1...4096).contains(p.crop), (1...4096).contains(p.resize), p.crop <= p.resize,
                  p.mean.count == 3, p.std.count == 3, (p.mean + p.std + [p.inputScale]).allSatisfy(\.isFinite),
                  p.std.allSatisfy({ $0 != 0 }) else {
                throw bad("its image preprocessing is out of range (resize \(p.resize), crop \(p.crop), mean \(p.mean), std \(p.std))")
            }
            return .image(p)
        case .text:
            guard let length = (object?["maxLength"] as? String).flatMap(Int.init), (1...8192).contains(length) else {
                throw bad("its text preprocessing has no maxLength in 1...8192")
            }
            do { return .text(try BertTokenizer(modelDirectory: tokenizerFolder, maxLength: length)) } catch {
                throw PredictError(file: tokenizerFolder.path, problem: "has no usable tokenizer (\(error))",
                                   fix: "keep vocab.txt beside the weights the bundle names")
            }
        }
    }
}
