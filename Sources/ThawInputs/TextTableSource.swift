import Foundation
import ThawCore

/// Texts listed in a CSV (header `text,label[,split]`, RFC 4180 quoting) or JSONL file.
public struct TextTableSource: TextSource {
    public let path: String
    public let samples: [Sample]
    public let labelNames: [String]
    private let texts: [String]

    public init(path: String) throws {
        self.path = path
        let table = try DelimitedTable(path: path, required: ["text", "label"])
        var samples: [Sample] = [], texts: [String] = []
        let name = (path as NSString).lastPathComponent
        for row in table.rows {
            let at = "\(path):\(row.line)"
            guard let text = row.fields["text"] else {
                throw FileError(file: at, problem: "row has no text", fix: "give every row a text")
            }
            guard let label = row.fields["label"]?.trimmingCharacters(in: .whitespaces), !label.isEmpty else {
                throw FileError(file: at, problem: "row has no label", fix: "give every row a label")
            }
            var split: Split? = nil
            if let s = row.fields["split"]?.trimmingCharacters(in: .whitespaces).lowercased(), !s.isEmpty {
                guard let given = Split(rawValue: s) else {
                    throw FileError(file: at, problem: "split \"\(s)\" is not train, val or test", fix: "use train, val or test")
                }
                split = given
            }
            samples.append(Sample(index: samples.count, id: "\(name)#\(row.line)", label: label, split: split))
            texts.append(text)
        }
        guard !samples.isEmpty else { throw FileError(file: path, problem: "lists no texts", fix: "add one row per text") }
        self.samples = samples
        self.texts = texts
        labelNames = Set(samples.map(\.label)).sorted(by: FolderListing.codePointOrder)
    }

    public func loadText(_ sample: Sample) throws -> String { texts[sample.index] }

    public func fingerprint() throws -> String { try SourceFingerprint.of(files: [path], root: ".") }
}
