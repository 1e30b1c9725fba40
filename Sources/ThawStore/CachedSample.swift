/// One sample as stored in a cache: what the extractor writes per view and a reader decodes (class index,
/// split index, every tap). The sample a source lists before extraction is `ThawInputs.Sample`.
public struct CachedSample: Equatable, Sendable {
    public var key: CacheKey
    /// Class index into the manifest's labelNames, or -1 for unlabeled.
    public var label: Int32
    /// Index into the manifest's splitNames.
    public var split: Int
    /// The original sample id or path.
    public var id: String
    /// One f32 array per tap, in manifest order; `taps[t].count == manifest.taps[t].elementCount`.
    public var taps: [[Float]]

    /// Id prefix of the placeholder record `thaw extract --on-error skip` writes for a sample it could
    /// not read (label −1, every tap zero), so the cache completes; readers drop such records.
    public static let skippedIDPrefix = "!skipped:"

    /// True for a placeholder of a sample extraction could not read.
    public var isSkippedPlaceholder: Bool { id.hasPrefix(CachedSample.skippedIDPrefix) }

    public init(index: Int, view: Int = 0, label: Int32, split: Int, id: String, taps: [[Float]]) {
        self.key = CacheKey(index: index, view: view)
        self.label = label
        self.split = split
        self.id = id
        self.taps = taps
    }
}
