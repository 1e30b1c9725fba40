import ThawHeads
import ThawKernels
import ThawTraining

/// One named tensor of a fine-tuned model: its value in the layout the kernels read, its
/// accumulated gradient and its optimizer state. The name is the checkpoint key (lukemelas
/// `efficientnet_pytorch` names); `torchShape` and `layout` say how to convert for export.
public final class TrainableTensor {
    /// How `value` is laid out relative to PyTorch's tensor.
    public enum Layout {
        /// Same order as PyTorch.
        case plain
        /// Conv2D GEMM layout [G][kh][kw][Cin/G][Cout/G] of an OIHW weight.
        case convGEMM(Conv2DShape)
        /// Depthwise [kh·kw][C] of a [C, 1, kh, kw] weight.
        case depthwise(channels: Int, taps: Int)
    }

    /// Checkpoint key, e.g. "_blocks.12._bn1.weight".
    public let key: String
    public let torchShape: [Int]
    public let layout: Layout
    /// False for BN running statistics: saved and loaded, never given to the optimizer.
    public let trainable: Bool
    /// Weight decay applies to convolution and linear weights only (not BN affine, not biases).
    public let decays: Bool
    /// Kernel layout. Every change (optimizer step, restore, load) bumps `valueVersion` (a plain `didSet`
    /// keeps in-place updates in place), which tells packed copies of the value to refresh.
    public var value: [Float] { didSet { valueVersion &+= 1 } }
    private(set) var valueVersion = 0
    /// The AVX-512 kernels of this weight as a 1×1 convolution, with its packed copies (`pointwiseKernel(_:)`).
    var packedPointwise: TrainingPointwise?
    public var grad: [Float]       // same layout as value, accumulated
    var state1: [Float] = []       // momentum / first moment
    var state2: [Float] = []       // second moment

    /// `torchValue` in PyTorch order; converted to the kernel layout.
    public init(key: String, torchShape: [Int], layout: Layout = .plain, torchValue: [Float],
                trainable: Bool = true, decays: Bool = false) {
        precondition(torchValue.count == torchShape.reduce(1, *),
                     "TrainableTensor \(key): shape \(torchShape) needs \(torchShape.reduce(1, *)) values, got \(torchValue.count)")
        self.key = key
        self.torchShape = torchShape
        self.layout = layout
        self.trainable = trainable
        self.decays = decays
        value = Self.toKernel(torchValue, layout)
        grad = [Float](repeating: 0, count: torchValue.count)
    }

    public var count: Int { value.count }

    /// The value in PyTorch order (for checkpoints and export).
    public var torchValue: [Float] { Self.toTorch(value, layout) }

    /// Replaces the value from PyTorch order.
    public func setTorchValue(_ v: [Float]) {
        precondition(v.count == value.count, "TrainableTensor \(key): expected \(value.count) values, got \(v.count)")
        value = Self.toKernel(v, layout)
    }

    /// The gradient in PyTorch order.
    public var torchGrad: [Float] { Self.toTorch(grad, layout) }

    public func zeroGrad() {
        grad.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// grad *= factor (gradient clipping).
    func scaleGrad(_ factor: Float) {
        grad.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= factor } }
    }

    /// Σ grad² in Double, eight lanes at a time (the order differs from a serial sum only by rounding).
    func gradSquaredSum() -> Double {
        grad.withUnsafeBufferPointer { g in
            var acc = SIMD8<Double>(repeating: 0)
            var i = 0
            while i + 8 <= g.count {
                var v = SIMD8<Double>()
                for l in 0..<8 { v[l] = Double(g[i + l]) }
                acc += v * v
                i += 8
            }
            var s = acc.sum()
            while i < g.count { s += Double(g[i]) * Double(g[i]); i += 1 }
            return s
        }
    }

    /// Optimizer state buffers (empty until the first step), for checkpoints.
    public var optimizerState: (first: [Float], second: [Float]) {
        get { (state1, state2) }
        set {
            precondition(newValue.first.isEmpty || newValue.first.count == count, "TrainableTensor \(key): bad state size")
            precondition(newValue.second.isEmpty || newValue.second.count == count, "TrainableTensor \(key): bad state size")
            state1 = newValue.first; state2 = newValue.second
        }
    }

    /// One optimizer step on this tensor (1-based `step`); weight decay only where `decays`.
    public func update(optimizer: Optimizer, lr: Float, weightDecay: Float, step: Int) {
        precondition(trainable, "TrainableTensor \(key): running statistics are not optimised")
        if optimizer.stateCount >= 1 && state1.isEmpty { state1 = [Float](repeating: 0, count: count) }
        if optimizer.stateCount >= 2 && state2.isEmpty { state2 = [Float](repeating: 0, count: count) }
        let n = count, wd = decays ? weightDecay : 0
        let has1 = !state1.isEmpty, has2 = !state2.isEmpty
        value.withUnsafeMutableBufferPointer { p in
            grad.withUnsafeBufferPointer { g in
                state1.withUnsafeMutableBufferPointer { s1 in
                    state2.withUnsafeMutableBufferPointer { s2 in
                        optimizer.update(param: p.baseAddress!, grad: g.baseAddress!, count: n,
                                         state1: has1 ? s1.baseAddress! : nil, state2: has2 ? s2.baseAddress! : nil,
                                         lr: lr, weightDecay: wd, step: step)
                    }
                }
            }
        }
    }

    static func toKernel(_ v: [Float], _ layout: Layout) -> [Float] {
        switch layout {
        case .plain:
            return v
        case .convGEMM(let shape):
            return Conv2D(shape: shape, oihw: v).weight
        case let .depthwise(c, taps):
            var out = [Float](repeating: 0, count: v.count)
            for ch in 0..<c { for t in 0..<taps { out[t * c + ch] = v[ch * taps + t] } }
            return out
        }
    }

    static func toTorch(_ v: [Float], _ layout: Layout) -> [Float] {
        switch layout {
        case .plain:
            return v
        case .convGEMM(let shape):
            return Conv2D.oihw(fromGEMM: v, shape: shape)
        case let .depthwise(c, taps):
            var out = [Float](repeating: 0, count: v.count)
            for ch in 0..<c { for t in 0..<taps { out[ch * taps + t] = v[t * c + ch] } }
            return out
        }
    }
}
