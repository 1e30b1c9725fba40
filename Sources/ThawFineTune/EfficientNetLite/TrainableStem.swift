import ThawBackbones
import ThawKernels

/// EfficientNet-Lite's stem for fine-tuning from raw images: `_conv_stem` (3×3, stride 2, TF SAME:
/// on even sizes all padding goes after) → `_bn0` (unfolded) → ReLU6. The input is the first
/// layer, so backward computes no input gradient.
public final class TrainableStem {
    let shape: Conv2DShape
    public let weight: TrainableTensor   // GEMM [3·3·3][out]
    public let bn: TrainableBatchNorm

    /// Everything backward needs, kept from forward. Maps are NHWC.
    public struct Saved {
        let n: Int, h: Int, w: Int, oh: Int, ow: Int
        let x: [Float]   // [N, H, W, 3] images
        let c: [Float]   // [N, OH, OW, out] conv output
        let a: [Float]   // [N, OH, OW, out] after BN + ReLU6
        let s: TrainableBatchNorm.Saved
    }

    /// Loads `_conv_stem.weight` [out, 3, 3, 3] and `_bn0.*` [out].
    public init(channels: Int = EfficientNetLiteSpec.stemChannels, parameters: (String, [Int]) throws -> [Float]) throws {
        shape = Conv2DShape(inChannels: 3, outChannels: channels, kernel: 3, stride: 2, padding: .same)
        weight = TrainableTensor(key: "_conv_stem.weight", torchShape: [channels, 3, 3, 3], layout: .convGEMM(shape),
                                 torchValue: try parameters("_conv_stem.weight", [channels, 3, 3, 3]), decays: true)
        bn = try TrainableBatchNorm(prefix: "_bn0", channels: channels, relu6: true, parameters: parameters)
    }

    public var channels: Int { shape.outChannels }
    /// Every tensor in checkpoint order.
    public var tensors: [TrainableTensor] { [weight] + bn.tensors }

    /// Output size of one axis (TF SAME, stride 2: ceil(in / 2)).
    public func outputSize(_ size: Int) -> Int { (size + 1) / 2 }

    /// y [N, OH, OW, out] = ReLU6(BN(conv(x [N, H, W, 3]))) with BN in `mode`, and what backward needs.
    public func forward(_ x: [Float], batch n: Int, height h: Int, width w: Int, mode: BatchNormMode,
                        workspace: Workspace) -> (y: [Float], saved: Saved) {
        precondition(x.count == n * h * w * 3, "TrainableStem: input must be [\(n), \(h), \(w), 3], got \(x.count) floats")
        let oh = outputSize(h), ow = outputSize(w), rows = n * oh * ow
        var c = [Float](repeating: 0, count: rows * channels), a = c
        let conv = Conv2D(shape: shape, gemmWeight: weight.value)
        x.withUnsafeBufferPointer { xb in c.withUnsafeMutableBufferPointer { cb in
            _ = conv.forward(xb.baseAddress!, batch: n, height: h, width: w, into: cb.baseAddress!, workspace: workspace)
        }}
        let s = c.withUnsafeBufferPointer { cb in a.withUnsafeMutableBufferPointer { ab in
            bn.forward(cb.baseAddress!, rows: rows, into: ab.baseAddress!, mode: mode)
        }}
        return (a, Saved(n: n, h: h, w: w, oh: oh, ow: ow, x: x, c: c, a: a, s: s))
    }

    /// Accumulates the conv and BN gradients from dy [N, OH, OW, out].
    public func backward(_ dy: [Float], saved s: Saved, workspace: Workspace) {
        let rows = s.n * s.oh * s.ow
        precondition(dy.count == rows * channels, "TrainableStem: dy must be [\(s.n), \(s.oh), \(s.ow), \(channels)]")
        var g = dy                                       // [N, OH, OW, out] → dc in place
        s.c.withUnsafeBufferPointer { cb in s.a.withUnsafeBufferPointer { ab in g.withUnsafeMutableBufferPointer { gb in
            bn.backward(x: cb.baseAddress!, y: ab.baseAddress!, dy: gb.baseAddress!, rows: rows, saved: s.s, dx: gb.baseAddress!)
        }}}
        let conv = Conv2D(shape: shape, gemmWeight: weight.value)
        s.x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gb in weight.grad.withUnsafeMutableBufferPointer { wg in
            conv.backward(x: xb.baseAddress!, y: nil, dy: gb.baseAddress!, batch: s.n, height: s.h, width: s.w,
                          dx: nil, dWeight: wg.baseAddress!, dBias: nil, workspace: workspace)
        }}}
    }
}
