import Foundation
import ThawCore
import ThawHeads
import ThawKernels
import ThawStore

/// The head of a bundle (a `head` bundle's, or the linear classifier of a fine-tuned BERT) as a function from tap features to class probabilities, computed by
/// the same `StackedHeads` and `Pooling` code that trained it (one head), so a bundle applied to the
/// cache it was trained on reproduces the run's predictions.
public final class BundleHead {
    public let description: BundleDescription
    public let geometry: BundleGeometry
    public var classes: Int { description.classes.count }
    /// Elements of one sample's tap features.
    public var featureWidth: Int { geometry.spatial * geometry.channels }
    private let model: StackedHeads
    private let pooling: ThawHeads.Pooling?
    private let dtype: DType
    private var workspace: StackedHeads.Workspace?

    public init(_ bundle: ModelBundle) {
        precondition(bundle.description.head.type != "finetuned", "BundleHead: a bundle with a head (\"finetuned\" heads classify inside the network)")
        let d = bundle.description, g = bundle.geometry
        description = d
        geometry = g
        dtype = DType(rawValue: d.tap.dtype)!   // checked by ModelBundle.read
        let state = bundle.headState()
        switch d.pooling {
        case "avg": pooling = .avg
        case "max": pooling = .max
        case "avgmax": pooling = .avgMax
        case "gem": pooling = .gem(p: state["gem.p"]![0])
        default: pooling = nil
        }
        let shape = HeadShape(hidden: d.head.hidden, activation: Activation(rawValue: d.head.activation)!, layerNorm: d.head.layerNorm)
        let gem = d.pooling == "gem" ? (spatial: g.spatial, channels: g.channels, p: state["gem.p"]![0]) : nil
        model = StackedHeads(shape: shape, seeds: [0], inputWidth: g.inputWidth, classes: d.classes.count, gem: gem)
        model.load(head: 0, state)
    }

    /// Probabilities [n, classes] of features [n, featureWidth] (the backbone's tap output, f32).
    /// Features are first rounded to the tap's stored dtype, so the head sees what it was trained on.
    public func probabilities(_ features: [Float], count n: Int) -> [Float] {
        var logits = self.logits(features, count: n)
        Self.softmaxRows(&logits, columns: classes)
        return logits
    }

    /// Logits [n, classes] of features [n, featureWidth].
    public func logits(_ features: [Float], count n: Int) -> [Float] {
        precondition(features.count == n * featureWidth, "BundleHead: \(features.count) features for \(n) samples of \(featureWidth)")
        guard n > 0 else { return [] }
        var x = features
        Self.round(&x, to: dtype)
        if let p = pooling, !p.isLearnable {
            var pooled = [Float](repeating: 0, count: n * geometry.inputWidth)   // [n, width]
            x.withUnsafeBufferPointer { src in
                pooled.withUnsafeMutableBufferPointer { p.pool(maps: src.baseAddress!, count: n, spatial: geometry.spatial,
                                                                channels: geometry.channels, out: $0.baseAddress!) }
            }
            x = pooled
        }
        // One workspace, grown to the largest batch seen: prediction calls this once per batch.
        if workspace.map({ $0.capacity < n }) ?? true { workspace = model.makeWorkspace(capacity: n) }
        let ws = workspace!
        x.withUnsafeBufferPointer { model.forward(x: $0.baseAddress!, batch: n, train: false, ws: ws) }
        return Array(UnsafeBufferPointer(start: ws.logits.pointer, count: n * classes))
    }

    /// Round-trips values through a storage dtype (f32: unchanged).
    static func round(_ x: inout [Float], to dtype: DType) {
        switch dtype {
        case .f32: return
        case .f16: for i in x.indices { x[i] = HalfFloat.f16Value(HalfFloat.f16Bits(x[i])) }
        case .bf16: for i in x.indices { x[i] = HalfFloat.bf16Value(HalfFloat.bf16Bits(x[i])) }
        }
    }

    /// Row-wise softmax in place (`ThawKernels.Softmax`).
    public static func softmaxRows(_ x: inout [Float], columns c: Int) {
        guard c > 0, !x.isEmpty else { return }
        x.withUnsafeMutableBufferPointer { Softmax.forward($0.baseAddress!, rows: $0.count / c, columns: c) }
    }
}
