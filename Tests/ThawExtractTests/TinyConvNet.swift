import ThawBackbones
import ThawKernels

/// A small real backbone for extractor tests: conv1 (3→8, 3×3 stride 2, ReLU) → conv2 (8→16,
/// 3×3 stride 2, ReLU) → global average pool. Weights come from a fixed seed.
final class TinyConvNet: Backbone {
    let name = "tiny-convnet"
    let cutPoints = [CutPoint(name: "conv1", layout: "HWC"), CutPoint(name: "conv2", layout: "HWC"), CutPoint(name: "pool", layout: "C")]
    private let conv1: Conv2D, conv2: Conv2D
    private let workspace = Workspace()
    /// Counts forward calls (tests check that resumes skip work).
    private(set) var forwardRows = 0

    init(seed: UInt64 = 42) {
        var state = seed
        func weights(_ n: Int, scale: Float) -> [Float] {
            (0..<n).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return (Float(state >> 40) / Float(1 << 24) - 0.5) * scale
            }
        }
        let s1 = Conv2DShape(inChannels: 3, outChannels: 8, kernel: 3, stride: 2, padding: .symmetric(1))
        let s2 = Conv2DShape(inChannels: 8, outChannels: 16, kernel: 3, stride: 2, padding: .symmetric(1))
        conv1 = Conv2D(shape: s1, oihw: weights(8 * 27, scale: 0.5), bias: weights(8, scale: 0.1), activation: .relu)
        conv2 = Conv2D(shape: s2, oihw: weights(16 * 72, scale: 0.3), bias: weights(16, scale: 0.1), activation: .relu)
    }

    func outputShape(at cut: String, inputShape: [Int]) throws -> [Int] {
        let h1 = (inputShape[0] + 1) / 2, w1 = (inputShape[1] + 1) / 2
        switch try cutIndex(cut) {
        case 0: return [h1, w1, 8]
        case 1: return [(h1 + 1) / 2, (w1 + 1) / 2, 16]
        default: return [16]
        }
    }

    func forward(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations] {
        precondition(from == nil, "TinyConvNet runs from the raw input only")
        forwardRows += input.tensor.shape[0]
        var out: [String: Activations] = [:]
        let y1 = conv1.forward(input.tensor, workspace: workspace)
        workspace.reset()
        if taps.contains("conv1") { out["conv1"] = Activations(tensor: y1) }
        let y2 = conv2.forward(y1, workspace: workspace)
        workspace.reset()
        if taps.contains("conv2") { out["conv2"] = Activations(tensor: y2) }
        if taps.contains("pool") {
            let (n, h, w, c) = (y2.shape[0], y2.shape[1], y2.shape[2], y2.shape[3])
            var pooled = Tensor(zeros: [n, c])
            y2.data.withUnsafeBufferPointer { x in
                pooled.data.withUnsafeMutableBufferPointer { Pooling.globalAvgPool(x.baseAddress!, batch: n, height: h, width: w, channels: c, into: $0.baseAddress!) }
            }
            out["pool"] = Activations(tensor: pooled)
        }
        return out
    }
}
