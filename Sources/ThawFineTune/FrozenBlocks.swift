import ThawBackbones
import ThawKernels

/// The blocks between the cached tap a plan reads and the tap training starts from (`FineTunePlan.cachedTap`
/// → `from`), run forward only on cached rows: e.g. EfficientNet-Lite blocks 12–13 on cached `blocks.11`
/// maps for `--from blocks.13`. The same backbone code as `thaw extract`, so the output equals a cache of
/// `from` stored as f32.
///
/// Where they run: in memory (`FineTuneRun`, `BertFineTuneRun`) once per sample before training, the rows
/// replaced by their output; streamed, on each chunk as it is read (once per sample per epoch).
public struct FrozenBlocks {
    public let backbone: any Backbone
    public let cachedTap: String, from: String
    /// Rows per forward call (the extractor's batch: outputs do not depend on it, memory does).
    public static let chunk = 32

    public init(backbone: any Backbone, cachedTap: String, from: String) {
        self.backbone = backbone; self.cachedTap = cachedTap; self.from = from
    }

    /// Loads the frozen backbone of `plan` from `weights`, or nil when training starts at the cached tap.
    public static func load(plan: FineTunePlan, backbone name: String, weights: String) throws -> FrozenBlocks? {
        guard plan.runsFrozenBlocks, let cached = plan.cachedTap else { return nil }
        let backbone = try ModelCatalog.named(name).load(weights)
        return FrozenBlocks(backbone: backbone, cachedTap: cached.description, from: plan.from.description)
    }

    /// Per-sample output shape at `from` for cached rows of per-sample shape `rowShape` ([H, W, C] or [T, C]).
    public func outputShape(rowShape: [Int]) throws -> [Int] {
        let probe = try run([Float](repeating: 0, count: rowShape.reduce(1, *)), rows: 1, rowShape: rowShape)
        return probe.shape
    }

    /// `rows` cached rows [rows, rowShape…] → the rows at `from` [rows, shape…]; `mask` [rows, T] for hidden states.
    public func run(_ x: [Float], rows: Int, rowShape: [Int], mask: [Float]? = nil) throws -> (x: [Float], shape: [Int]) {
        let out = try backbone.forward(Activations(tensor: Tensor(shape: [rows] + rowShape, data: x), mask: mask),
                                       from: cachedTap, taps: [from])
        guard let t = out[from]?.tensor else { throw FineTuneError("\(backbone.name): no output at \(from) running from \(cachedTap)") }
        return (t.data, Array(t.shape.dropFirst()))
    }

    /// All `count` rows of `x` [count, rowShape…] through the blocks, `chunk` rows at a time; the input is
    /// released as it is consumed only by the caller (pass it owned). `mask(r0, r1)` gives hidden states' masks.
    public func runAll(_ x: [Float], count: Int, rowShape: [Int], mask: ((Int, Int) -> [Float])? = nil) throws -> (x: [Float], shape: [Int]) {
        let width = rowShape.reduce(1, *)
        var out: [Float] = [], shape: [Int] = []
        var r0 = 0
        while r0 < count {
            let r1 = min(count, r0 + Self.chunk)
            let y = try run(Array(x[(r0 * width)..<(r1 * width)]), rows: r1 - r0, rowShape: rowShape, mask: mask?(r0, r1))
            if out.isEmpty { shape = y.shape; out.reserveCapacity(count * shape.reduce(1, *)) }
            out += y.x
            r0 = r1
        }
        return (out, shape)
    }
}
