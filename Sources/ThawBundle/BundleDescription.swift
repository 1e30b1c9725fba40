import Foundation

/// What a model bundle holds besides its tensors: the `bundle` metadata of docs/bundle-format.md,
/// stored as JSON text with sorted keys.
public struct BundleDescription: Codable, Equatable, Sendable {
    /// `head`: a head on one tap of a frozen backbone; `finetuned`: the whole network, own classifier.
    public enum Kind: String, Codable, Sendable { case head, finetuned }
    /// What the backbone eats.
    public enum Input: String, Codable, Sendable {
        case image, text
        /// From a cache manifest's `preprocessing` text: text caches record their tokenizer.
        public init(preprocessing: String) {
            let object = (try? JSONSerialization.jsonObject(with: Data(preprocessing.utf8))) as? [String: Any]
            self = object?["tokenizer"] != nil ? .text : .image
        }
    }

    public struct Backbone: Codable, Equatable, Sendable {
        public var name: String            // "efficientnet-lite0"
        public var weightsSHA256: String   // lower-case hex of the frozen (or starting) weight file
        public var weightsFile: String     // its base name: a hint for the user
        public init(name: String, weightsSHA256: String, weightsFile: String) {
            self.name = name; self.weightsSHA256 = weightsSHA256; self.weightsFile = weightsFile
        }
    }

    /// The cut point the head reads, as the cache stored it.
    public struct Tap: Codable, Equatable, Sendable {
        public var name: String
        public var dtype: String           // "f32", "f16", "bf16": features are rounded to it first
        public var shape: [Int]            // one sample, e.g. [1280] or [7, 7, 192]
        public var layout: String          // "C", "HWC", "TC"
        public init(name: String, dtype: String, shape: [Int], layout: String) {
            self.name = name; self.dtype = dtype; self.shape = shape; self.layout = layout
        }
    }

    public struct Head: Codable, Equatable, Sendable {
        public var type: String            // "linear", "mlp", "logistic", "finetuned"
        public var hidden: [Int]           // [] for linear, logistic and finetuned
        public var activation: String      // "relu" or "gelu" (exact erf)
        public var layerNorm: Bool
        public init(type: String, hidden: [Int] = [], activation: String = "relu", layerNorm: Bool = false) {
            self.type = type; self.hidden = hidden; self.activation = activation; self.layerNorm = layerNorm
        }
    }

    public var kind: Kind
    public var backbone: Backbone
    public var input: Input
    /// The cache manifest's `preprocessing` text, verbatim.
    public var preprocessing: String
    public var tap: Tap
    /// "none", "avg", "max", "avgmax", "gem".
    public var pooling: String
    public var head: Head
    public var classes: [String]
    /// Id of the run that wrote the bundle.
    public var run: String
    public var cacheFingerprint: String
    public var toolVersion: String
    /// The writer's `val_top1` and, with a test split, `test_top1` (fractions).
    public var metrics: [String: Double]

    public init(kind: Kind, backbone: Backbone, input: Input, preprocessing: String, tap: Tap, pooling: String,
                head: Head, classes: [String], run: String, cacheFingerprint: String, toolVersion: String,
                metrics: [String: Double]) {
        self.kind = kind; self.backbone = backbone; self.input = input; self.preprocessing = preprocessing
        self.tap = tap; self.pooling = pooling; self.head = head; self.classes = classes; self.run = run
        self.cacheFingerprint = cacheFingerprint; self.toolVersion = toolVersion; self.metrics = metrics
    }

    /// Sorted-key JSON text, as stored under the `bundle` metadata key.
    public func encodedJSON() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try! e.encode(self), as: UTF8.self)
    }
}
