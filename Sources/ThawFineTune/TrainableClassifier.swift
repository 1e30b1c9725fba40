import ThawCore
import ThawHeads
import ThawKernels

/// The linear classifier on pooled features: logits [N, classes] = x [N, in] · Wᵀ + b.
/// Keys `<keyPrefix>.weight` [classes, in] and `<keyPrefix>.bias` [classes]: `_fc` (lukemelas
/// EfficientNet, the default) or `fc` (torchvision ResNet).
public final class TrainableClassifier {
    public let weight: TrainableTensor   // [classes, in]
    public let bias: TrainableTensor     // [classes]
    public let inFeatures: Int, classes: Int

    public init(inFeatures: Int, classes: Int, weight w: [Float], bias b: [Float], keyPrefix: String = "_fc") {
        precondition(w.count == classes * inFeatures && b.count == classes,
                     "TrainableClassifier: weight must be [\(classes), \(inFeatures)] and bias [\(classes)]")
        self.inFeatures = inFeatures
        self.classes = classes
        weight = TrainableTensor(key: keyPrefix + ".weight", torchShape: [classes, inFeatures], torchValue: w, decays: true)
        bias = TrainableTensor(key: keyPrefix + ".bias", torchShape: [classes], torchValue: b)
    }

    /// A new classifier initialised like `nn.Linear` (uniform ±1/√in), from `seed`.
    public convenience init(inFeatures: Int, classes: Int, seed: UInt64, keyPrefix: String = "_fc") {
        var g = SplitMix64(seed: seed)
        let bound = 1 / Float(inFeatures).squareRoot()
        let w = (0..<(classes * inFeatures)).map { _ in (g.nextUnitFloat() * 2 - 1) * bound }
        let b = (0..<classes).map { _ in (g.nextUnitFloat() * 2 - 1) * bound }
        self.init(inFeatures: inFeatures, classes: classes, weight: w, bias: b, keyPrefix: keyPrefix)
    }

    public var tensors: [TrainableTensor] { [weight, bias] }

    var parameters: LinearParameters {
        LinearParameters(weight: weight.value, bias: bias.value, inFeatures: inFeatures, outFeatures: classes)
    }

    public func forward(_ x: [Float], rows: Int) -> [Float] {
        var y = [Float](repeating: 0, count: rows * classes)
        let p = parameters
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in
            Linear.forward(p, x: xb.baseAddress!, rows: rows, y: yb.baseAddress!)
        }}
        return y
    }

    /// dx [rows, in]; accumulates dW and db.
    public func backward(x: [Float], dlogits: [Float], rows: Int) -> [Float] {
        var dx = [Float](repeating: 0, count: rows * inFeatures)
        let p = parameters
        x.withUnsafeBufferPointer { xb in dlogits.withUnsafeBufferPointer { db in dx.withUnsafeMutableBufferPointer { ob in
            weight.grad.withUnsafeMutableBufferPointer { wg in bias.grad.withUnsafeMutableBufferPointer { bg in
                Linear.backward(p, x: xb.baseAddress!, dy: db.baseAddress!, rows: rows, dx: ob.baseAddress!,
                                dWeight: wg.baseAddress!, dBias: bg.baseAddress!)
            }}
        }}}
        return dx
    }
}
