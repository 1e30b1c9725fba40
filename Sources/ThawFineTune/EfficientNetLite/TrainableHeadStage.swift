import ThawBackbones
import ThawKernels

/// EfficientNet-Lite's head stage for fine-tuning: `_conv_head` (1×1, last block width → 1280)
/// → `_bn1` → ReLU6 → global average pool (MobileNetV2's `features.18` + pool: the same layers). Output: pooled features [N, headChannels].
public final class TrainableHeadStage {
    let shape: Conv2DShape
    public let weight: TrainableTensor   // GEMM [in][head]
    public let bn: TrainableBatchNorm

    public struct Saved {
        let n: Int, h: Int, w: Int
        let x: [Float]   // [N, H, W, in]
        let c: [Float]   // [N, H, W, head] conv output
        let a: [Float]   // [N, H, W, head] after BN + ReLU6
        let s: TrainableBatchNorm.Saved
    }

    /// Loads `convKey` [head, in, 1, 1] and the BN under `bnPrefix`: lukemelas `_conv_head.weight` and `_bn1`
    /// (eps 1e-3, the defaults), or MobileNetV2's last feature, `features.18.0.weight` and `features.18.1` (eps 1e-5).
    public init(inChannels: Int, headChannels: Int, convKey: String = "_conv_head.weight", bnPrefix: String = "_bn1",
                eps: Float = EfficientNetLiteSpec.batchNormEps, parameters: (String, [Int]) throws -> [Float]) throws {
        shape = Conv2DShape(inChannels: inChannels, outChannels: headChannels, kernel: 1)
        weight = TrainableTensor(key: convKey, torchShape: [headChannels, inChannels, 1, 1], layout: .convGEMM(shape),
                                 torchValue: try parameters(convKey, [headChannels, inChannels, 1, 1]), decays: true)
        bn = try TrainableBatchNorm(prefix: bnPrefix, channels: headChannels, relu6: true, eps: eps, parameters: parameters)
    }

    public var headChannels: Int { shape.outChannels }
    public var tensors: [TrainableTensor] { [weight] + bn.tensors }

    /// pooled [N, head] = mean_HW(ReLU6(BN(conv(x [N, H, W, in])))).
    public func forward(_ x: [Float], batch n: Int, height h: Int, width w: Int, mode: BatchNormMode,
                        workspace: Workspace) -> (pooled: [Float], saved: Saved) {
        let rows = n * h * w, hc = headChannels
        precondition(x.count == rows * shape.inChannels, "TrainableHeadStage: input must be [\(n), \(h), \(w), \(shape.inChannels)]")
        var c = TrainingMemory.overwritten(rows * hc), a = TrainingMemory.overwritten(rows * hc)
        var pooled = [Float](repeating: 0, count: n * hc)
        FineTuneProfile.time(.conv1x1Forward, flops: 2 * rows * shape.inChannels * hc) {
            x.withUnsafeBufferPointer { xb in c.withUnsafeMutableBufferPointer { cb in
                weight.pointwiseForward(shape: shape, xb.baseAddress!, batch: n, height: h, width: w, into: cb.baseAddress!,
                                        workspace: workspace)
            }}
        }
        let s = FineTuneProfile.time(.batchNormForward) {
            c.withUnsafeBufferPointer { cb in a.withUnsafeMutableBufferPointer { ab in
                bn.forward(cb.baseAddress!, rows: rows, into: ab.baseAddress!, mode: mode)
            }}
        }
        FineTuneProfile.time(.headPoolClassifier) {
            a.withUnsafeBufferPointer { ab in pooled.withUnsafeMutableBufferPointer { pb in
                Pooling.globalAvgPool(ab.baseAddress!, batch: n, height: h, width: w, channels: hc, into: pb.baseAddress!)
            }}
        }
        return (pooled, Saved(n: n, h: h, w: w, x: x, c: c, a: a, s: s))
    }

    /// dx [N, H, W, in] from dpooled [N, head]; accumulates the conv and BN gradients.
    public func backward(_ dpooled: [Float], saved s: Saved, workspace: Workspace) -> [Float] {
        let rows = s.n * s.h * s.w, hc = headChannels
        var g = TrainingMemory.overwritten(rows * hc)       // [N, H, W, head]
        FineTuneProfile.time(.headPoolClassifier) {
            dpooled.withUnsafeBufferPointer { db in g.withUnsafeMutableBufferPointer { gb in
                Pooling.globalAvgPoolBackward(dy: db.baseAddress!, batch: s.n, height: s.h, width: s.w, channels: hc, dx: gb.baseAddress!)
            }}
        }
        FineTuneProfile.time(.batchNormBackward) {
            s.c.withUnsafeBufferPointer { cb in s.a.withUnsafeBufferPointer { ab in g.withUnsafeMutableBufferPointer { gb in
                bn.backward(x: cb.baseAddress!, y: ab.baseAddress!, dy: gb.baseAddress!, rows: rows, saved: s.s, dx: gb.baseAddress!)
            }}}
        }
        var dx = TrainingMemory.overwritten(rows * shape.inChannels)
        FineTuneProfile.time(.conv1x1Backward, flops: 4 * rows * shape.inChannels * hc) {
            s.x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gb in
                dx.withUnsafeMutableBufferPointer { ob in
                    weight.pointwiseBackward(shape: shape, x: xb.baseAddress!, dy: gb.baseAddress!, batch: s.n, height: s.h,
                                             width: s.w, dx: ob.baseAddress!, workspace: workspace)
                }
            }}
        }
        return dx
    }
}
