import Foundation
import ThawCore

/// Texts in class-per-folder layout (BBC News): `root/<class>/**/<file>.txt`, ordered as `ImageFolderSource`.
public struct TextFolderSource: TextSource {
    public let root: String
    public let samples: [Sample]
    public let labelNames: [String]
    /// Folder links not followed because they lead back to an ancestor or to a folder already
    /// listed (`path → earlier path`, relative to `root`); callers should report them.
    public let skippedLinks: [String]
    /// Read a file that is not valid UTF-8 as Latin-1 instead of throwing (BBC News has one: sports/199.txt).
    public var latin1Fallback: Bool

    public init(root: String, latin1Fallback: Bool = false) throws {
        self.root = root
        self.latin1Fallback = latin1Fallback
        let listing = try FolderListing.list(root: root, extensions: ["txt"], kind: "texts")
        let classes = listing.classes
        skippedLinks = listing.skippedLinks
        labelNames = classes.map(\.label)
        var samples: [Sample] = []
        for (label, files) in classes {
            for file in files { samples.append(Sample(index: samples.count, id: file, label: label)) }
        }
        self.samples = samples
    }

    public func loadText(_ sample: Sample) throws -> String {
        let path = (root as NSString).appendingPathComponent(sample.id)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(file: path, problem: "cannot be read", fix: "check that the file exists and is readable")
        }
        guard let text = String(validatingUTF8Data: data) ?? (latin1Fallback ? String(data: data, encoding: .isoLatin1) : nil) else {
            throw FileError(file: path, problem: "is not valid UTF-8", fix: "re-save it as UTF-8 (e.g. iconv -f latin1 -t utf-8 FILE > FILE.new && mv FILE.new FILE)")
        }
        return text
    }

    public func fingerprint() throws -> String { try SourceFingerprint.of(files: samples.map(\.id), root: root) }
}

extension String {
    /// nil unless `data` is well-formed UTF-8 (Foundation's decoder may substitute instead).
    init?(validatingUTF8Data data: Data) {
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var out = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s): out.append(s)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(out)
    }
}
