import ThawKernels

/// A torchvision ResNet residual block with *unfolded* BatchNorms (eps 1e-5), for fine-tuning.
///
/// - basic (ResNet-18/34): conv1 3×3 stride s → bn1 → ReLU → conv2 3×3 → bn2
/// - bottleneck (ResNet-50…, "v1.5"): conv1 1×1 → bn1 → ReLU → conv2 3×3 stride s → bn2 → ReLU → conv3 1×1 → bn3
///
/// then y = ReLU(main + identity), identity = x or `downsample.1`(`downsample.0` 1×1 stride s (x)) when
/// the stride or width changes. Parameters carry torchvision keys under `prefix` (e.g. "layer4.0").
public final class TrainableResNetBlock {
    public static let batchNormEps: Float = 1e-5

    public let prefix: String
    public let bottleneck: Bool
    public let inChannels: Int, width: Int, outChannels: Int, stride: Int
    let shapes: [Conv2DShape]
    /// conv1, conv2 (, conv3): GEMM layout of OIHW weights.
    public let convWeights: [TrainableTensor]
    /// bn1, bn2 (, bn3), each after the convolution of the same index.
    public let batchNorms: [TrainableBatchNorm]
    let downsampleShape: Conv2DShape?
    public let downsampleWeight: TrainableTensor?   // GEMM [Cin][Cout]
    public let downsampleBN: TrainableBatchNorm?

    /// Everything backward needs, kept from forward. Maps are NHWC.
    public struct Saved {
        let n: Int, h: Int, w: Int, oh: Int, ow: Int
        let x: [Float]              // [N, H, W, Cin]
        let convs: [[Float]]        // conv i output (BN i input): [N, Hi, Wi, Ci]
        let acts: [[Float]]         // ReLU(BN i) for every unit but the last (input of conv i+1)
        let bns: [TrainableBatchNorm.Saved]
        let downsample: [Float]     // [N, OH, OW, Cout] downsample conv output (empty without)
        let downsampleBN: TrainableBatchNorm.Saved?
        let y: [Float]              // [N, OH, OW, Cout] block output (for the final ReLU mask)
    }

    /// Loads `<prefix>.conv1.weight`, `.bn1.*`, …, and `.downsample.0.weight`, `.downsample.1.*` when the
    /// stride is not 1 or `inChannels` differs from the output width (`width`, or 4·`width` for bottlenecks).
    public init(prefix: String, bottleneck: Bool, inChannels: Int, width: Int, stride: Int,
                parameters: (String, [Int]) throws -> [Float]) throws {
        precondition(inChannels > 0 && width > 0 && stride >= 1, "TrainableResNetBlock: channels and stride must be positive")
        let out = bottleneck ? 4 * width : width
        self.prefix = prefix
        self.bottleneck = bottleneck
        self.inChannels = inChannels
        self.width = width
        self.outChannels = out
        self.stride = stride
        if bottleneck {
            shapes = [Conv2DShape(inChannels: inChannels, outChannels: width, kernel: 1),
                      Conv2DShape(inChannels: width, outChannels: width, kernel: 3, stride: stride, padding: .symmetric(1)),
                      Conv2DShape(inChannels: width, outChannels: out, kernel: 1)]
        } else {
            shapes = [Conv2DShape(inChannels: inChannels, outChannels: width, kernel: 3, stride: stride, padding: .symmetric(1)),
                      Conv2DShape(inChannels: width, outChannels: out, kernel: 3, padding: .symmetric(1))]
        }
        var weights: [TrainableTensor] = [], norms: [TrainableBatchNorm] = []
        for (i, s) in shapes.enumerated() {
            weights.append(try Self.convTensor(prefix + ".conv\(i + 1).weight", s, parameters))
            norms.append(try TrainableBatchNorm(prefix: prefix + ".bn\(i + 1)", channels: s.outChannels, relu6: false,
                                                eps: Self.batchNormEps, parameters: parameters))
        }
        convWeights = weights
        batchNorms = norms
        if stride != 1 || inChannels != out {
            let s = Conv2DShape(inChannels: inChannels, outChannels: out, kernel: 1, stride: stride)
            downsampleShape = s
            downsampleWeight = try Self.convTensor(prefix + ".downsample.0.weight", s, parameters)
            downsampleBN = try TrainableBatchNorm(prefix: prefix + ".downsample.1", channels: out, relu6: false,
                                                  eps: Self.batchNormEps, parameters: parameters)
        } else {
            downsampleShape = nil; downsampleWeight = nil; downsampleBN = nil
        }
    }

    static func convTensor(_ key: String, _ s: Conv2DShape, _ parameters: (String, [Int]) throws -> [Float]) throws -> TrainableTensor {
        let shape = [s.outChannels, s.inPerGroup, s.kernelH, s.kernelW]
        return TrainableTensor(key: key, torchShape: shape, layout: .convGEMM(s), torchValue: try parameters(key, shape), decays: true)
    }

    /// Every tensor in torchvision state-dict order (conv1, bn1.*, conv2, bn2.*, …, downsample.0, downsample.1.*).
    public var tensors: [TrainableTensor] {
        var t: [TrainableTensor] = []
        for (w, b) in zip(convWeights, batchNorms) { t.append(w); t += b.tensors }
        if let downsampleWeight, let downsampleBN { t.append(downsampleWeight); t += downsampleBN.tensors }
        return t
    }

    /// Output (height, width) for an input of h×w: 3×3 pad 1 and 1×1 pad 0 agree at any stride.
    public func outputSize(height h: Int, width w: Int) -> (Int, Int) {
        ((h - 1) / stride + 1, (w - 1) / stride + 1)
    }

    /// y [N, OH, OW, out] = block(x [N, H, W, in]) with BN in `mode`, and what backward needs.
    public func forward(_ x: [Float], batch n: Int, height h: Int, width w: Int, mode: BatchNormMode,
                        workspace: Workspace) -> (y: [Float], saved: Saved) {
        precondition(x.count == n * h * w * inChannels,
                     "TrainableResNetBlock \(prefix): input must be [\(n), \(h), \(w), \(inChannels)], got \(x.count) floats")
        var convs: [[Float]] = [], acts: [[Float]] = [], bns: [TrainableBatchNorm.Saved] = []
        var y: [Float] = []
        var ch = h, cw = w
        for (i, s) in shapes.enumerated() {
            let geo = s.geometry(height: ch, width: cw)
            let rows = n * geo.outHeight * geo.outWidth
            var c = [Float](repeating: 0, count: rows * s.outChannels), b = c   // [N, OHi, OWi, Ci] each
            let conv = Conv2D(shape: s, gemmWeight: convWeights[i].value)
            _ = (i == 0 ? x : acts[i - 1]).withUnsafeBufferPointer { ib in c.withUnsafeMutableBufferPointer { cb in
                conv.forward(ib.baseAddress!, batch: n, height: ch, width: cw, into: cb.baseAddress!, workspace: workspace)
            }}
            bns.append(c.withUnsafeBufferPointer { cb in b.withUnsafeMutableBufferPointer { bb in
                batchNorms[i].forward(cb.baseAddress!, rows: rows, into: bb.baseAddress!, mode: mode)
            }})
            convs.append(c)
            if i < shapes.count - 1 {
                b.withUnsafeMutableBufferPointer { Activation.relu.apply($0.baseAddress!, count: $0.count) }
                acts.append(b)
            } else {
                y = b
            }
            ch = geo.outHeight; cw = geo.outWidth
        }
        var ds: [Float] = [], dsSaved: TrainableBatchNorm.Saved?
        if let downsampleShape, let downsampleWeight, let downsampleBN {
            ds = [Float](repeating: 0, count: y.count)
            var identity = ds                                  // [N, OH, OW, out]
            let conv = Conv2D(shape: downsampleShape, gemmWeight: downsampleWeight.value)
            _ = x.withUnsafeBufferPointer { xb in ds.withUnsafeMutableBufferPointer { db in
                conv.forward(xb.baseAddress!, batch: n, height: h, width: w, into: db.baseAddress!, workspace: workspace)
            }}
            dsSaved = ds.withUnsafeBufferPointer { db in identity.withUnsafeMutableBufferPointer { ib in
                downsampleBN.forward(db.baseAddress!, rows: y.count / outChannels, into: ib.baseAddress!, mode: mode)
            }}
            identity.withUnsafeBufferPointer { ib in y.withUnsafeMutableBufferPointer { yb in
                residualAdd(ib.baseAddress!, into: yb.baseAddress!, count: yb.count, activation: .relu)
            }}
        } else {
            x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in
                residualAdd(xb.baseAddress!, into: yb.baseAddress!, count: yb.count, activation: .relu)
            }}
        }
        return (y, Saved(n: n, h: h, w: w, oh: ch, ow: cw, x: x, convs: convs, acts: acts, bns: bns,
                         downsample: ds, downsampleBN: dsSaved, y: y))
    }

    /// dx [N, H, W, in] from dy [N, OH, OW, out]; accumulates every parameter gradient.
    /// Without `inputGradient` (the lowest trained block) dx is not computed and [] is returned.
    public func backward(_ dy: [Float], saved s: Saved, workspace: Workspace, inputGradient: Bool = true) -> [Float] {
        let n = s.n
        precondition(dy.count == s.y.count, "TrainableResNetBlock \(prefix): dy must be [\(n), \(s.oh), \(s.ow), \(outChannels)]")
        var dz = [Float](repeating: 0, count: dy.count)       // [N, OH, OW, out] gradient of main + identity
        dy.withUnsafeBufferPointer { db in s.y.withUnsafeBufferPointer { yb in dz.withUnsafeMutableBufferPointer { zb in
            Activation.relu.backward(y: yb.baseAddress!, dy: db.baseAddress!, count: zb.count, dx: zb.baseAddress!)
        }}}
        // Identity branch first: the main branch below overwrites its gradient in place.
        var dxSkip: [Float] = []                               // [N, H, W, in]
        if let downsampleShape, let downsampleWeight, let downsampleBN {
            var dds = [Float](repeating: 0, count: dz.count)   // [N, OH, OW, out]
            s.downsample.withUnsafeBufferPointer { xb in dz.withUnsafeMutableBufferPointer { gb in
                dds.withUnsafeMutableBufferPointer { ob in
                    downsampleBN.backward(x: xb.baseAddress!, y: xb.baseAddress!, dy: gb.baseAddress!, rows: s.oh * s.ow * n,
                                          saved: s.downsampleBN!, dx: ob.baseAddress!)
                }
            }}
            dxSkip = [Float](repeating: 0, count: inputGradient ? s.x.count : 0)
            let conv = Conv2D(shape: downsampleShape, gemmWeight: downsampleWeight.value)
            s.x.withUnsafeBufferPointer { xb in dds.withUnsafeBufferPointer { gb in
                dxSkip.withUnsafeMutableBufferPointer { ob in downsampleWeight.grad.withUnsafeMutableBufferPointer { wg in
                    conv.backward(x: xb.baseAddress!, y: nil, dy: gb.baseAddress!, batch: n, height: s.h, width: s.w,
                                  dx: inputGradient ? ob.baseAddress! : nil, dWeight: wg.baseAddress!, dBias: nil,
                                  workspace: workspace)
                }}
            }}
        } else if inputGradient {
            dxSkip = dz
        }
        // Main branch, last unit first: g is the gradient of unit i's activated output.
        var g = dz
        var ch = s.oh, cw = s.ow
        var inputSizes: [(Int, Int)] = []                      // input (H, W) of each unit
        do {
            var h = s.h, w = s.w
            for sh in shapes { inputSizes.append((h, w)); let geo = sh.geometry(height: h, width: w); h = geo.outHeight; w = geo.outWidth }
        }
        for i in shapes.indices.reversed() {
            let rows = n * ch * cw
            if i < shapes.count - 1 {
                s.acts[i].withUnsafeBufferPointer { ab in g.withUnsafeMutableBufferPointer { gb in
                    Activation.relu.backward(y: ab.baseAddress!, dy: gb.baseAddress!, count: gb.count, dx: gb.baseAddress!)
                }}
            }
            s.convs[i].withUnsafeBufferPointer { cb in g.withUnsafeMutableBufferPointer { gb in
                batchNorms[i].backward(x: cb.baseAddress!, y: cb.baseAddress!, dy: gb.baseAddress!, rows: rows,
                                       saved: s.bns[i], dx: gb.baseAddress!)
            }}
            let (ih, iw) = inputSizes[i]
            let wantInput = i > 0 || inputGradient
            var dIn = [Float](repeating: 0, count: wantInput ? n * ih * iw * shapes[i].inChannels : 0)
            let conv = Conv2D(shape: shapes[i], gemmWeight: convWeights[i].value)
            (i == 0 ? s.x : s.acts[i - 1]).withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gb in
                dIn.withUnsafeMutableBufferPointer { ob in convWeights[i].grad.withUnsafeMutableBufferPointer { wg in
                    conv.backward(x: xb.baseAddress!, y: nil, dy: gb.baseAddress!, batch: n, height: ih, width: iw,
                                  dx: wantInput ? ob.baseAddress! : nil, dWeight: wg.baseAddress!, dBias: nil,
                                  workspace: workspace)
                }}
            }}
            g = dIn
            (ch, cw) = (ih, iw)
        }
        if !inputGradient { return [] }
        for i in g.indices { g[i] += dxSkip[i] }
        return g
    }
}
