import Foundation
import ThawCore

/// Images listed in a CSV (header `path[,label][,split]`) or JSONL (`{"path":…,"label":…,"split":…}`)
/// manifest. Relative paths resolve against the manifest's folder; split values are train/val/test.
/// Without a `label` column the images are unlabeled (new data to predict); with one, every row needs a label.
public struct ManifestSource: ImageSource {
    public let manifest: String
    public let root: String
    public let samples: [Sample]
    public let labelNames: [String]

    public init(manifest: String) throws {
        self.manifest = manifest
        root = (manifest as NSString).deletingLastPathComponent
        let table = try DelimitedTable(path: manifest, required: ["path"])
        let labeled = table.rows.contains { $0.fields["label"] != nil }
        var samples: [Sample] = []
        for row in table.rows {
            let at = "\(manifest):\(row.line)"
            guard let path = row.fields["path"]?.trimmingCharacters(in: .whitespaces), !path.isEmpty else {
                throw FileError(file: at, problem: "row has no path", fix: "give every row a path")
            }
            let label = row.fields["label"]?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !labeled || !label.isEmpty else {
                throw FileError(file: at, problem: "row for \(path) has no label", fix: "give every row a label, or drop the label column for unlabeled images")
            }
            var split: Split? = nil
            if let s = row.fields["split"]?.trimmingCharacters(in: .whitespaces).lowercased(), !s.isEmpty {
                guard let given = Split(rawValue: s) else {
                    throw FileError(file: at, problem: "split \"\(s)\" is not train, val or test", fix: "use train, val or test")
                }
                split = given
            }
            samples.append(Sample(index: samples.count, id: path, label: label, split: split))
        }
        guard !samples.isEmpty else {
            throw FileError(file: manifest, problem: "lists no samples", fix: "add one row per image")
        }
        self.samples = samples
        labelNames = Set(samples.map(\.label).filter { !$0.isEmpty }).sorted(by: FolderListing.codePointOrder)
    }

    public func resolvedPath(_ sample: Sample) -> String {
        sample.id.hasPrefix("/") ? sample.id : (root as NSString).appendingPathComponent(sample.id)
    }

    public func loadImage(_ sample: Sample, decoder: ImageDecoder) throws -> RGBImage {
        try decoder.decode(file: resolvedPath(sample))
    }

    public func fingerprint() throws -> String {
        // A listed image may be missing: it is read (and skipped or not) later. When every file is there the
        // fingerprint is the one earlier versions wrote, so their caches still resume.
        try SourceFingerprint.of(files: [manifest] + samples.map(resolvedPath), root: ".", missingAllowed: true)   // already resolved
    }
}
