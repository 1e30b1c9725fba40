import ThawBackbones
import ThawKernels

/// One ConvNeXt block for fine-tuning (drop-path off), NHWC, rows = N·H·W:
///
///     d = dwconv7×7(x) + b_dw        [rows, C]
///     u = LN(d)  (over C, eps 1e-6)  [rows, C]
///     f = u·W1ᵀ + b1                 [rows, 4C]
///     v = GELU(f)·W2ᵀ + b2           [rows, C]
///     y = x + γ ⊙ v                  [rows, C]
///
/// γ (layer scale) is a tensor of its own here (the frozen backbone folds it into fc2). Parameters carry the
/// checkpoint's keys under `prefix` (`ConvNeXtKeyLayout`: timm `stages.3.blocks.0.`, torchvision `features.7.0.`, …).
public final class TrainableConvNeXtBlock {
    public let prefix: String
    public let channels: Int, hidden: Int
    public let depthwiseWeight: TrainableTensor   // [49][C] of a [C, 1, 7, 7] weight
    public let depthwiseBias: TrainableTensor     // [C]
    public let normWeight: TrainableTensor, normBias: TrainableTensor   // [C]
    public let fc1Weight: TrainableTensor, fc1Bias: TrainableTensor     // [4C, C], [4C]
    public let fc2Weight: TrainableTensor, fc2Bias: TrainableTensor     // [C, 4C], [C]
    public let layerScale: TrainableTensor        // [C] ([C, 1, 1] in torchvision files)

    /// What backward needs, kept from forward.
    public struct Saved {
        let n: Int, h: Int, w: Int
        let x: [Float]      // [rows, C] block input
        let d: [Float]      // [rows, C] depthwise output (LN input)
        let u: [Float]      // [rows, C] LN output (fc1 input)
        let f: [Float]      // [rows, 4C] fc1 output (GELU input)
        let g: [Float]      // [rows, 4C] GELU output (fc2 input)
        let v: [Float]      // [rows, C] fc2 output (before γ)
        let mean: [Float], rstd: [Float]   // [rows] of the LN
    }

    /// Loads `<prefix><dw>.weight/.bias`, `<norm>.*`, `<fc1>.*`, `<fc2>.*` and the layer scale, named by `layout`.
    public init(prefix: String, channels c: Int, layout: ConvNeXtKeyLayout, parameters: (String, [Int]) throws -> [Float]) throws {
        precondition(c > 0, "TrainableConvNeXtBlock: channels must be positive")
        let parts = layout.blockParts
        func tensor(_ name: String, _ shape: [Int], layout l: TrainableTensor.Layout = .plain, decays: Bool = false) throws -> TrainableTensor {
            TrainableTensor(key: prefix + name, torchShape: shape, layout: l, torchValue: try parameters(prefix + name, shape), decays: decays)
        }
        self.prefix = prefix
        channels = c
        hidden = 4 * c
        depthwiseWeight = try tensor(parts.dw + ".weight", [c, 1, 7, 7], layout: .depthwise(channels: c, taps: 49), decays: true)
        depthwiseBias = try tensor(parts.dw + ".bias", [c])
        normWeight = try tensor(parts.norm + ".weight", [c])
        normBias = try tensor(parts.norm + ".bias", [c])
        fc1Weight = try tensor(parts.fc1 + ".weight", [4 * c, c], decays: true)
        fc1Bias = try tensor(parts.fc1 + ".bias", [4 * c])
        fc2Weight = try tensor(parts.fc2 + ".weight", [c, 4 * c], decays: true)
        fc2Bias = try tensor(parts.fc2 + ".bias", [c])
        layerScale = try tensor(parts.scale, layout.layerScaleShape(channels: c))
    }

    /// Checkpoint order: depthwise, norm, fc1, fc2, layer scale.
    public var tensors: [TrainableTensor] {
        [depthwiseWeight, depthwiseBias, normWeight, normBias, fc1Weight, fc1Bias, fc2Weight, fc2Bias, layerScale]
    }

    func depthwise() -> DepthwiseConv2D {
        DepthwiseConv2D(channels: channels, kernel: 7, padding: .symmetric(3, 3),
                        weightCHW: TrainableTensor.toTorch(depthwiseWeight.value, depthwiseWeight.layout), bias: depthwiseBias.value)
    }
    var fc1: LinearParameters { LinearParameters(weight: fc1Weight.value, bias: fc1Bias.value, inFeatures: channels, outFeatures: hidden) }
    var fc2: LinearParameters { LinearParameters(weight: fc2Weight.value, bias: fc2Bias.value, inFeatures: hidden, outFeatures: channels) }

    /// y [N, H, W, C] = block(x [N, H, W, C]), and what backward needs.
    public func forward(_ x: [Float], batch n: Int, height h: Int, width w: Int) -> (y: [Float], saved: Saved) {
        let rows = n * h * w, c = channels
        precondition(x.count == rows * c, "TrainableConvNeXtBlock \(prefix): input must be [\(n), \(h), \(w), \(c)], got \(x.count) floats")
        var d = [Float](repeating: 0, count: rows * c), u = d, v = d
        var f = [Float](repeating: 0, count: rows * hidden), g = f
        var mean = [Float](repeating: 0, count: rows), rstd = mean
        let dw = depthwise()
        x.withUnsafeBufferPointer { xb in d.withUnsafeMutableBufferPointer { db in
            _ = dw.forward(xb.baseAddress!, batch: n, height: h, width: w, into: db.baseAddress!)
        }}
        d.withUnsafeBufferPointer { db in u.withUnsafeMutableBufferPointer { ub in
            normWeight.value.withUnsafeBufferPointer { gb in normBias.value.withUnsafeBufferPointer { bb in
                mean.withUnsafeMutableBufferPointer { mb in rstd.withUnsafeMutableBufferPointer { rb in
                    LayerNorm.forward(x: db.baseAddress!, rows: rows, channels: c, gamma: gb.baseAddress!, beta: bb.baseAddress!,
                                      eps: ConvNeXt.eps, y: ub.baseAddress!, mean: mb.baseAddress!, rstd: rb.baseAddress!)
                }}
            }}
        }}
        let p1 = fc1, p2 = fc2
        u.withUnsafeBufferPointer { ub in f.withUnsafeMutableBufferPointer { fb in
            Linear.forward(p1, x: ub.baseAddress!, rows: rows, y: fb.baseAddress!)
        }}
        f.withUnsafeBufferPointer { fb in g.withUnsafeMutableBufferPointer { gb in
            GELU.forward(x: fb.baseAddress!, count: rows * hidden, y: gb.baseAddress!)
        }}
        g.withUnsafeBufferPointer { gb in v.withUnsafeMutableBufferPointer { vb in
            Linear.forward(p2, x: gb.baseAddress!, rows: rows, y: vb.baseAddress!)
        }}
        var y = x
        layerScale.value.withUnsafeBufferPointer { sb in v.withUnsafeBufferPointer { vb in y.withUnsafeMutableBufferPointer { yb in
            for r in 0..<rows {
                let o = r * c
                for i in 0..<c { yb[o + i] += sb[i] * vb[o + i] }
            }
        }}}
        return (y, Saved(n: n, h: h, w: w, x: x, d: d, u: u, f: f, g: g, v: v, mean: mean, rstd: rstd))
    }

    /// dx [N, H, W, C] from dy [N, H, W, C]; accumulates every parameter gradient (not zeroed here).
    /// Without `inputGradient` (the lowest trained layer) dx is not computed and [] is returned.
    public func backward(_ dy: [Float], saved s: Saved, inputGradient: Bool = true) -> [Float] {
        let rows = s.n * s.h * s.w, c = channels
        precondition(dy.count == rows * c, "TrainableConvNeXtBlock \(prefix): dy must be [\(s.n), \(s.h), \(s.w), \(c)]")
        var dv = [Float](repeating: 0, count: rows * c)       // [rows, C] = γ ⊙ dy; dγ += Σ dy ⊙ v
        layerScale.value.withUnsafeBufferPointer { sb in layerScale.grad.withUnsafeMutableBufferPointer { gb in
            dy.withUnsafeBufferPointer { db in s.v.withUnsafeBufferPointer { vb in dv.withUnsafeMutableBufferPointer { ob in
                for r in 0..<rows {
                    let o = r * c
                    for i in 0..<c {
                        gb[i] += db[o + i] * vb[o + i]
                        ob[o + i] = db[o + i] * sb[i]
                    }
                }
            }}}
        }}
        var dg = [Float](repeating: 0, count: rows * hidden)  // [rows, 4C] → d(f) in place
        let p1 = fc1, p2 = fc2
        s.g.withUnsafeBufferPointer { xb in dv.withUnsafeBufferPointer { db in dg.withUnsafeMutableBufferPointer { ob in
            fc2Weight.grad.withUnsafeMutableBufferPointer { wg in fc2Bias.grad.withUnsafeMutableBufferPointer { bg in
                Linear.backward(p2, x: xb.baseAddress!, dy: db.baseAddress!, rows: rows, dx: ob.baseAddress!,
                                dWeight: wg.baseAddress!, dBias: bg.baseAddress!)
            }}
        }}}
        s.f.withUnsafeBufferPointer { fb in dg.withUnsafeMutableBufferPointer { gb in
            GELU.backward(x: fb.baseAddress!, dy: gb.baseAddress!, count: rows * hidden, dx: gb.baseAddress!)
        }}
        var du = [Float](repeating: 0, count: rows * c)       // [rows, C] → d(d) in place
        s.u.withUnsafeBufferPointer { xb in dg.withUnsafeBufferPointer { db in du.withUnsafeMutableBufferPointer { ob in
            fc1Weight.grad.withUnsafeMutableBufferPointer { wg in fc1Bias.grad.withUnsafeMutableBufferPointer { bg in
                Linear.backward(p1, x: xb.baseAddress!, dy: db.baseAddress!, rows: rows, dx: ob.baseAddress!,
                                dWeight: wg.baseAddress!, dBias: bg.baseAddress!)
            }}
        }}}
        s.d.withUnsafeBufferPointer { xb in du.withUnsafeMutableBufferPointer { gb in
            normWeight.value.withUnsafeBufferPointer { wb in s.mean.withUnsafeBufferPointer { mb in s.rstd.withUnsafeBufferPointer { rb in
                normWeight.grad.withUnsafeMutableBufferPointer { dgb in normBias.grad.withUnsafeMutableBufferPointer { dbb in
                    LayerNorm.backward(x: xb.baseAddress!, dy: gb.baseAddress!, rows: rows, channels: c, gamma: wb.baseAddress!,
                                       mean: mb.baseAddress!, rstd: rb.baseAddress!, dx: gb.baseAddress!,
                                       dGamma: dgb.baseAddress!, dBeta: dbb.baseAddress!)
                }}
            }}}
        }}
        var dx = [Float](repeating: 0, count: inputGradient ? rows * c : 0)
        let dw = depthwise()
        s.x.withUnsafeBufferPointer { xb in du.withUnsafeBufferPointer { gb in dx.withUnsafeMutableBufferPointer { ob in
            depthwiseWeight.grad.withUnsafeMutableBufferPointer { wg in depthwiseBias.grad.withUnsafeMutableBufferPointer { bg in
                dw.backward(x: xb.baseAddress!, y: nil, dy: gb.baseAddress!, batch: s.n, height: s.h, width: s.w,
                            dx: inputGradient ? ob.baseAddress! : nil, dWeight: wg.baseAddress!, dBias: bg.baseAddress!)
            }}
        }}}
        if !inputGradient { return [] }
        for i in dx.indices { dx[i] += dy[i] }   // the residual
        return dx
    }
}
