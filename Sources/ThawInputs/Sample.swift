/// Which part of the data a sample belongs to.
public enum Split: String, Codable, Sendable, CaseIterable {
    case train, val, test
}

/// One item of a data set as listed by a source: nothing is decoded at listing time.
public struct Sample: Codable, Sendable, Hashable {
    /// Position in the data set (0-based, dense); cache keys follow it.
    public var index: Int
    /// Stable id: a path relative to the source root, or `file#row` for samples packed in one file.
    public var id: String
    /// Class name (see the source's `labelNames` for the index order).
    public var label: String
    /// Given by the source (IDX train/t10k, a manifest column) or assigned by `StratifiedSplit`.
    public var split: Split?

    public init(index: Int, id: String, label: String, split: Split? = nil) {
        self.index = index; self.id = id; self.label = label; self.split = split
    }
}

/// A listed data set.
public protocol SampleSource: Sendable {
    /// Every sample, in data-set order.
    var samples: [Sample] { get }
    /// Class names, sorted; a sample's class index is its label's position here.
    var labelNames: [String] { get }
    /// Changes whenever the underlying files change (see `SourceFingerprint`).
    func fingerprint() throws -> String
}

/// A source of images.
public protocol ImageSource: SampleSource {
    /// Reads and decodes one sample to RGB u8.
    func loadImage(_ sample: Sample, decoder: ImageDecoder) throws -> RGBImage
}

/// A source of texts.
public protocol TextSource: SampleSource {
    /// Reads one sample's text (valid UTF-8).
    func loadText(_ sample: Sample) throws -> String
}

extension SampleSource {
    /// Class index of each label.
    public func labelIndex() -> [String: Int] {
        Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($1, $0) })
    }
}
