import ThawCore
import ThawKernels

/// A batch of activations flowing between cut points.
///
/// - images: `tensor` is NHWC `[N, H, W, C]` (the raw input is `[N, H, W, 3]`, already preprocessed);
///   after global pooling it is `[N, C]`.
/// - text: `tensor` is `[N, T, C]` with `mask` `[N, T]` (1 = token, 0 = padding); the raw input is
///   `[N, T]` token ids stored as Float (exact: ids < 2²⁴); after pooling it is `[N, C]`.
public struct Activations: Sendable {
    public var tensor: Tensor
    public var mask: [Float]?

    public init(tensor: Tensor, mask: [Float]? = nil) {
        self.tensor = tensor
        self.mask = mask
    }
}

/// A named place where a backbone can be cut: the output of one block.
public struct CutPoint: Sendable, Equatable, Codable {
    public var name: String      // e.g. "stem", "blocks.11", "layer3", "layer.5", "pool"
    public var layout: String    // per-sample layout of its output: "HWC", "TC" or "C"

    public init(name: String, layout: String) {
        self.name = name
        self.layout = layout
    }
}

public struct BackboneError: SentenceError {
    public var problem: String
    public var fix: String
    public init(problem: String, fix: String) { self.problem = problem; self.fix = fix }
}

/// A frozen pretrained network that can run between any two of its cut points.
///
/// Taps for the feature cache and fine-tuning from cached maps are built on this: the
/// extractor runs `forward(input, from: nil, taps: [...])` once; fine-tuning later runs the
/// blocks after a cached cut with `from: "<cut>"`.
public protocol Backbone: AnyObject {
    /// Registry name, e.g. "efficientnet-lite0", "resnet50", "all-minilm-l6-v2".
    var name: String { get }
    /// Cut points in execution order.
    var cutPoints: [CutPoint] { get }
    /// Per-sample output shape at `cut` for a per-sample input shape (`[H, W, 3]` or `[T]`).
    func outputShape(at cut: String, inputShape: [Int]) throws -> [Int]
    /// Runs from the raw input (`from == nil`) or from the output of cut `from`, returning the
    /// output of every cut in `taps` (all after `from`); stops after the last tap.
    func forward(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations]
    /// How this backbone computes features when it is not im2col + GEMM everywhere (recorded in the
    /// cache manifest, e.g. "winograd-f43"); nil by default.
    var convolutionAlgorithm: String? { get }
    /// True when `forward` from the raw input to `taps` computes each sample alone: every kernel on the way
    /// treats the batch's samples (and their rows) one by one, so a sample's outputs are the same floats
    /// whichever samples share the call. False by default: OpenBLAS's sgemm may round a row differently
    /// with another row count. The extractor forwards several of its fixed blocks at once only when true.
    func computesSamplesAlone(taps: [String]) -> Bool
}

extension Backbone {
    public var convolutionAlgorithm: String? { nil }
    public func computesSamplesAlone(taps: [String]) -> Bool { false }

    /// Position of a cut point, or an error listing the valid names.
    public func cutIndex(_ name: String) throws -> Int {
        guard let i = cutPoints.firstIndex(where: { $0.name == name }) else {
            throw BackboneError("\(self.name) has no cut point '\(name)'; cut points: \(cutPoints.map(\.name).joined(separator: ", "))")
        }
        return i
    }

    /// Cut indices of a `forward(_:from:taps:)` call: where it starts (−1: the raw input), each tap's
    /// index, and the deepest (nil when `taps` is empty: nothing to run). Throws for an unknown cut or
    /// a tap that is not after `from`.
    public func forwardRange(from: String?, taps: [String]) throws -> (start: Int, taps: [Int], last: Int?) {
        let start = try from.map { try cutIndex($0) } ?? -1
        let indices = try taps.map { try cutIndex($0) }
        if let bad = indices.firstIndex(where: { $0 <= start }) {
            throw BackboneError("\(name): tap '\(taps[bad])' is not after the starting cut '\(from ?? "input")'")
        }
        return (start, indices, indices.max())
    }
}
