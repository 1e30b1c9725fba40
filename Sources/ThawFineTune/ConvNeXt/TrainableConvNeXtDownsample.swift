import ThawBackbones
import ThawKernels

/// The downsampling layer that opens ConvNeXt stage i ≥ 1, for fine-tuning:
/// u = LN(x) over C_in (eps 1e-6), y = conv 2×2 stride 2 (u) + b. x [N, H, W, C_in] → y [N, ⌊H/2⌋, ⌊W/2⌋, C_out].
/// Keys from `ConvNeXtKeyLayout.downsample(i)` (timm `stages.i.downsample.0/.1`, torchvision `features.2i.0/.1`, …).
public final class TrainableConvNeXtDownsample {
    public let name: String                   // checkpoint prefix of the norm's parent, for messages
    public let shape: Conv2DShape
    public let normWeight: TrainableTensor, normBias: TrainableTensor   // [C_in]
    public let convWeight: TrainableTensor    // GEMM layout of [C_out, C_in, 2, 2]
    public let convBias: TrainableTensor      // [C_out]

    public struct Saved {
        let n: Int, h: Int, w: Int, oh: Int, ow: Int
        let x: [Float]                        // [N, H, W, C_in]
        let u: [Float]                        // [N, H, W, C_in] LN output (conv input)
        let mean: [Float], rstd: [Float]      // [N·H·W]
    }

    public init(stage i: Int, inChannels: Int, outChannels: Int, layout: ConvNeXtKeyLayout,
                parameters: (String, [Int]) throws -> [Float]) throws {
        precondition(i >= 1 && inChannels > 0 && outChannels > 0, "TrainableConvNeXtDownsample: stage ≥ 1, positive widths")
        let keys = layout.downsample(i)
        name = keys.norm
        shape = Conv2DShape(inChannels: inChannels, outChannels: outChannels, kernel: 2, stride: 2)
        normWeight = TrainableTensor(key: keys.norm + ".weight", torchShape: [inChannels], torchValue: try parameters(keys.norm + ".weight", [inChannels]))
        normBias = TrainableTensor(key: keys.norm + ".bias", torchShape: [inChannels], torchValue: try parameters(keys.norm + ".bias", [inChannels]))
        let w = [outChannels, inChannels, 2, 2]
        convWeight = TrainableTensor(key: keys.conv + ".weight", torchShape: w, layout: .convGEMM(shape),
                                     torchValue: try parameters(keys.conv + ".weight", w), decays: true)
        convBias = TrainableTensor(key: keys.conv + ".bias", torchShape: [outChannels], torchValue: try parameters(keys.conv + ".bias", [outChannels]))
    }

    public var inChannels: Int { shape.inChannels }
    public var outChannels: Int { shape.outChannels }
    /// Checkpoint order: norm, conv.
    public var tensors: [TrainableTensor] { [normWeight, normBias, convWeight, convBias] }

    public func forward(_ x: [Float], batch n: Int, height h: Int, width w: Int, workspace: Workspace) -> (y: [Float], saved: Saved) {
        let rows = n * h * w, c = inChannels
        precondition(x.count == rows * c, "TrainableConvNeXtDownsample \(name): input must be [\(n), \(h), \(w), \(c)], got \(x.count) floats")
        precondition(h >= 2 && w >= 2, "TrainableConvNeXtDownsample \(name): a \(h)×\(w) map has no 2×2 window")
        var u = [Float](repeating: 0, count: rows * c)
        var mean = [Float](repeating: 0, count: rows), rstd = mean
        x.withUnsafeBufferPointer { xb in u.withUnsafeMutableBufferPointer { ub in
            normWeight.value.withUnsafeBufferPointer { gb in normBias.value.withUnsafeBufferPointer { bb in
                mean.withUnsafeMutableBufferPointer { mb in rstd.withUnsafeMutableBufferPointer { rb in
                    LayerNorm.forward(x: xb.baseAddress!, rows: rows, channels: c, gamma: gb.baseAddress!, beta: bb.baseAddress!,
                                      eps: ConvNeXt.eps, y: ub.baseAddress!, mean: mb.baseAddress!, rstd: rb.baseAddress!)
                }}
            }}
        }}
        let geo = shape.geometry(height: h, width: w)
        var y = [Float](repeating: 0, count: n * geo.outHeight * geo.outWidth * outChannels)
        let conv = Conv2D(shape: shape, gemmWeight: convWeight.value, bias: convBias.value)
        u.withUnsafeBufferPointer { ub in y.withUnsafeMutableBufferPointer { yb in
            _ = conv.forward(ub.baseAddress!, batch: n, height: h, width: w, into: yb.baseAddress!, workspace: workspace)
        }}
        return (y, Saved(n: n, h: h, w: w, oh: geo.outHeight, ow: geo.outWidth, x: x, u: u, mean: mean, rstd: rstd))
    }

    /// dx [N, H, W, C_in] from dy [N, OH, OW, C_out]; accumulates the norm and conv gradients (not zeroed here).
    /// Without `inputGradient` (the lowest trained layer) [] is returned: the norm's gradients still need d(u).
    public func backward(_ dy: [Float], saved s: Saved, workspace: Workspace, inputGradient: Bool = true) -> [Float] {
        let rows = s.n * s.h * s.w, c = inChannels
        precondition(dy.count == s.n * s.oh * s.ow * outChannels, "TrainableConvNeXtDownsample \(name): dy has the wrong size")
        var du = [Float](repeating: 0, count: rows * c)   // [N, H, W, C_in] → dx in place
        let conv = Conv2D(shape: shape, gemmWeight: convWeight.value, bias: convBias.value)
        s.u.withUnsafeBufferPointer { ub in dy.withUnsafeBufferPointer { gb in du.withUnsafeMutableBufferPointer { ob in
            convWeight.grad.withUnsafeMutableBufferPointer { wg in convBias.grad.withUnsafeMutableBufferPointer { bg in
                conv.backward(x: ub.baseAddress!, y: nil, dy: gb.baseAddress!, batch: s.n, height: s.h, width: s.w,
                              dx: ob.baseAddress!, dWeight: wg.baseAddress!, dBias: bg.baseAddress!, workspace: workspace)
            }}
        }}}
        s.x.withUnsafeBufferPointer { xb in du.withUnsafeMutableBufferPointer { gb in
            normWeight.value.withUnsafeBufferPointer { wb in s.mean.withUnsafeBufferPointer { mb in s.rstd.withUnsafeBufferPointer { rb in
                normWeight.grad.withUnsafeMutableBufferPointer { dgb in normBias.grad.withUnsafeMutableBufferPointer { dbb in
                    LayerNorm.backward(x: xb.baseAddress!, dy: gb.baseAddress!, rows: rows, channels: c, gamma: wb.baseAddress!,
                                       mean: mb.baseAddress!, rstd: rb.baseAddress!, dx: gb.baseAddress!,
                                       dGamma: dgb.baseAddress!, dBeta: dbb.baseAddress!)
                }}
            }}}
        }}
        return inputGradient ? du : []
    }
}
