import Foundation

/// Images in class-per-folder layout (torchvision `ImageFolder`): `root/<class>/**/<file>.jpg|jpeg|png`.
public struct ImageFolderSource: ImageSource {
    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]
    public let root: String
    public let samples: [Sample]
    public let labelNames: [String]
    /// Folder links not followed because they lead back to an ancestor or to a folder already
    /// listed (`path → earlier path`, relative to `root`); callers should report them.
    public let skippedLinks: [String]

    public init(root: String) throws {
        self.root = root
        let listing = try FolderListing.list(root: root, extensions: Self.extensions, kind: "images")
        let classes = listing.classes
        skippedLinks = listing.skippedLinks
        labelNames = classes.map(\.label)
        var samples: [Sample] = []
        for (label, files) in classes {
            for file in files { samples.append(Sample(index: samples.count, id: file, label: label)) }
        }
        self.samples = samples
    }

    public func loadImage(_ sample: Sample, decoder: ImageDecoder) throws -> RGBImage {
        try decoder.decode(file: (root as NSString).appendingPathComponent(sample.id))
    }

    public func fingerprint() throws -> String {
        try SourceFingerprint.of(files: samples.map(\.id), root: root)
    }
}
