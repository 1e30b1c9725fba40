import Foundation
import ThawCore

/// Unlabeled texts for prediction: strings given on the command line, `.txt` files, and the `.txt`
/// files directly inside folders. The id of a string is `text#N`; of a file, its path.
public struct TextListSource: TextSource {
    public let samples: [Sample]
    public var labelNames: [String] { [] }
    private let texts: [String?]   // per sample: the literal text, or nil to read the file `id`

    /// Each argument names a file or folder when one exists at that path, else it is the text itself.
    public init(arguments: [String]) throws {
        var samples: [Sample] = [], texts: [String?] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
                for file in try ImageListSource.expand(argument, extensions: ["txt"], kind: "texts") {
                    samples.append(Sample(index: samples.count, id: file, label: "")); texts.append(nil)
                }
            } else {
                samples.append(Sample(index: samples.count, id: "text#\(samples.count)", label: "")); texts.append(argument)
            }
        }
        self.samples = samples
        self.texts = texts
    }

    public func loadText(_ sample: Sample) throws -> String {
        if let text = texts[sample.index] { return text }
        guard let data = FileManager.default.contents(atPath: sample.id) else {
            throw FileError(file: sample.id, problem: "cannot be read", fix: "check that the file exists and is readable")
        }
        guard let text = String(validatingUTF8Data: data) else {
            throw FileError(file: sample.id, problem: "is not valid UTF-8", fix: "re-save it as UTF-8 (e.g. iconv -f latin1 -t utf-8 FILE)")
        }
        return text
    }

    public func fingerprint() throws -> String { String(samples.count) }
}
