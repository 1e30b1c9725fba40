import Foundation

/// Images in class-per-folder layout (torchvision `ImageFolder`): `root/<class>/**/<file>.jpg|jpeg|png`.
public struct ImageFolderSource: ImageSource {
    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]
    public let root: String
    public let samples: [Sample]
    public let labelNames: [String]

    public init(root: String) throws {
        self.root = root
        let classes = try FolderListing.classes(root: root, extensions: Self.extensions, kind: "images")
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
