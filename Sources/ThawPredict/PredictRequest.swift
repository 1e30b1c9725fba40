import ThawInputs

/// Everything `thaw predict` asks for.
public struct PredictRequest: Sendable {
    public var bundle: String
    /// The frozen backbone's weight file (head bundles; default: the installed asset).
    public var weights: String?
    /// Image files or folders of images; for text bundles, strings, `.txt` files or folders of them.
    public var inputs: [String] = []
    /// A data source as `thaw extract --data` takes it (labeled; unlabeled folders too).
    public var data: String?
    /// A feature cache: predict from its stored tap, without running the backbone.
    public var cache: String?
    /// Only this split ("train", "val", "test") of `data` or `cache`.
    public var split: Split?
    /// At most this many samples per split of `data`, chosen as `thaw extract --limit` chooses them.
    public var limit: Int?
    public var top = 5
    public var batch = 32
    public var onError: OnError = .stop

    public init(bundle: String) { self.bundle = bundle }
}
