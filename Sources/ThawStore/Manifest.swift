import Foundation

/// One tensor stored per sample, e.g. the pooled vector or the map at the fine-tuning boundary.
public struct TapSpec: Codable, Equatable, Sendable {
    /// Name, e.g. "pool" or "blocks.12".
    public var name: String
    public var dtype: DType
    /// Shape of one sample's tensor, e.g. [7, 7, 80].
    public var shape: [Int]
    /// Axis names, e.g. "HWC", "C", "TC"; one letter per axis of `shape`.
    public var layout: String

    public init(name: String, dtype: DType, shape: [Int], layout: String) {
        precondition(layout.count == shape.count, "layout needs one letter per axis of shape")
        precondition(shape.allSatisfy { $0 > 0 }, "tap dimensions must be positive")
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.layout = layout
    }

    /// Elements per sample.
    public var elementCount: Int { shape.reduce(1, *) }
    /// Payload bytes per sample.
    public var byteCount: Int { elementCount * dtype.size }
}

/// The self-description of a cache, stored as JSON under key "manifest" of the `meta` database.
/// Two writers of the same cache must agree on every field.
public struct Manifest: Codable, Equatable, Sendable {
    /// Bumped on any incompatible change of the record or key layout.
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    /// Version of the tool that wrote the cache.
    public var toolVersion: String
    public var backbone: String
    /// SHA-256 (hex) of the weight file.
    public var weightsSHA256: String
    /// Preprocessing preset, opaque JSON text chosen by the caller (compared as text).
    public var preprocessing: String
    public var taps: [TapSpec]
    /// Fingerprint of the data source (e.g. a hash of the file list and sizes).
    public var dataFingerprint: String
    public var labelNames: [String]
    public var splitNames: [String]
    /// Samples in the whole data set (not just this shard).
    public var sampleCount: Int
    /// Views stored per sample (augmentations); 1 means keys carry no view number.
    public var views: Int
    /// The part of 0..<sampleCount this cache holds.
    public var shard: ShardSpec
    /// How the backbone's 3×3 convolutions were computed when it differs from im2col + GEMM
    /// ("winograd-f43"); nil for im2col (and every cache written before Winograd). Features differ
    /// by ~1e-6 relative between the two, so a resumed or merged cache must not mix them.
    public var convolution: String?

    public init(toolVersion: String, backbone: String, weightsSHA256: String, preprocessing: String,
                taps: [TapSpec], dataFingerprint: String, labelNames: [String], splitNames: [String],
                sampleCount: Int, views: Int = 1, shard: ShardSpec = .whole, convolution: String? = nil) {
        precondition(!taps.isEmpty, "a cache needs at least one tap")
        precondition(Set(taps.map(\.name)).count == taps.count, "tap names must be unique")
        precondition(views >= 1 && views <= Int(UInt16.max), "views must be in 1...65535")
        precondition(sampleCount >= 0, "sampleCount must be ≥ 0")
        precondition(!splitNames.isEmpty, "name at least one split, e.g. [\"train\"]")
        self.formatVersion = Manifest.currentFormatVersion
        self.toolVersion = toolVersion
        self.backbone = backbone
        self.weightsSHA256 = weightsSHA256
        self.preprocessing = preprocessing
        self.taps = taps
        self.dataFingerprint = dataFingerprint
        self.labelNames = labelNames
        self.splitNames = splitNames
        self.sampleCount = sampleCount
        self.views = views
        self.shard = shard
        self.convolution = convolution
    }

    /// Sample indices held by this cache.
    public var indexRange: Range<Int> { shard.range(sampleCount: sampleCount) }

    /// Records this cache holds when complete.
    public var expectedRecordCount: Int { indexRange.count * views }

    /// Canonical JSON (sorted keys), so equal manifests give equal bytes.
    public func encoded() -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! e.encode(self))
    }

    /// Parses the stored JSON; `path` names the cache in the error.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Manifest {
        do {
            let m = try JSONDecoder().decode(Manifest.self, from: Data(bytes))
            guard m.formatVersion == currentFormatVersion else {
                throw StoreError.io(path: path, problem: "cache format version \(m.formatVersion), this Thaw reads \(currentFormatVersion)",
                                    fix: "use the Thaw version that wrote it, or re-extract")
            }
            if let p = m.problem {
                throw StoreError.io(path: path, problem: "the manifest is unusable: \(p)", fix: "re-extract the cache")
            }
            return m
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.io(path: path, problem: "the manifest is not valid JSON for this format (\(error))", fix: "re-extract the cache")
        }
    }

    /// Names and values of every field that differs from `other` (empty when equal).
    /// `ignoringShard` leaves the shard spec out (for merging).
    public func differences(from other: Manifest, ignoringShard: Bool = false) -> [String] {
        var out: [String] = []
        func cmp<T: Equatable>(_ name: String, _ a: T, _ b: T) {
            if a != b { out.append("\(name): cache has \(a), requested \(b)") }
        }
        cmp("formatVersion", formatVersion, other.formatVersion)
        cmp("toolVersion", toolVersion, other.toolVersion)
        cmp("backbone", backbone, other.backbone)
        cmp("weightsSHA256", weightsSHA256, other.weightsSHA256)
        cmp("preprocessing", preprocessing, other.preprocessing)
        if taps.count != other.taps.count {
            out.append("taps: cache has \(taps.map(\.name)), requested \(other.taps.map(\.name))")
        } else {
            for (a, b) in zip(taps, other.taps) where a != b {
                cmp("taps[\(a.name)].name", a.name, b.name)
                cmp("taps[\(a.name)].dtype", a.dtype.rawValue, b.dtype.rawValue)
                cmp("taps[\(a.name)].shape", a.shape, b.shape)
                cmp("taps[\(a.name)].layout", a.layout, b.layout)
            }
        }
        cmp("dataFingerprint", dataFingerprint, other.dataFingerprint)
        cmp("labelNames", labelNames, other.labelNames)
        cmp("splitNames", splitNames, other.splitNames)
        cmp("sampleCount", sampleCount, other.sampleCount)
        cmp("views", views, other.views)
        cmp("convolution", convolution ?? "im2col", other.convolution ?? "im2col")
        if !ignoringShard { cmp("shard", shard.description, other.shard.description) }
        return out
    }
}
