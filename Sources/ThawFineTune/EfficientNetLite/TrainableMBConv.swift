import ThawBackbones
import ThawKernels

/// An EfficientNet-Lite inverted-residual block with *unfolded* BatchNorms, for fine-tuning:
/// [expand 1×1 → BN0 → ReLU6] → depthwise k×k → BN1 → ReLU6 → project 1×1 → BN2 (+ skip).
/// Parameters carry lukemelas keys under `_blocks.N` (TF SAME padding, eps 1e-3), or torchvision
/// MobileNetV2 keys under `features.N` (symmetric padding, eps 1e-5): `MBConvNaming`.
public final class TrainableMBConv {
    public let spec: EfficientNetBlockSpec
    public let prefix: String
    /// Key names, depthwise padding and BN eps of the checkpoint the block came from.
    public let naming: MBConvNaming
    let expandShape: Conv2DShape?, projectShape: Conv2DShape
    public let expandWeight: TrainableTensor?   // GEMM [Cin][mid]
    public let bn0: TrainableBatchNorm?
    public let depthwiseWeight: TrainableTensor // [k·k][mid]
    public let bn1: TrainableBatchNorm
    public let projectWeight: TrainableTensor   // GEMM [mid][out]
    public let bn2: TrainableBatchNorm

    /// Everything backward needs, kept from forward. Maps are NHWC.
    public struct Saved {
        let n: Int, h: Int, w: Int, oh: Int, ow: Int
        let x: [Float]         // [N, H, W, in]
        let e: [Float]         // [N, H, W, mid] expand conv output (empty without expand)
        let a0: [Float]        // [N, H, W, mid] after BN0 + ReLU6 (empty without expand)
        let d: [Float]         // [N, OH, OW, mid] depthwise output
        let a1: [Float]        // [N, OH, OW, mid] after BN1 + ReLU6
        let p: [Float]         // [N, OH, OW, out] project conv output
        let s0: TrainableBatchNorm.Saved?, s1: TrainableBatchNorm.Saved, s2: TrainableBatchNorm.Saved
    }

    /// Loads the block's weights under `prefix` with `naming`'s keys (lukemelas: `<prefix>._expand_conv.weight`,
    /// `_bn0.*`, `_depthwise_conv.weight`, `_bn1.*`, `_project_conv.weight`, `_bn2.*`; torchvision: `conv.N…`).
    public init(spec: EfficientNetBlockSpec, prefix: String, naming: MBConvNaming = .lukemelas,
                parameters: (String, [Int]) throws -> [Float]) throws {
        self.spec = spec
        self.prefix = prefix
        self.naming = naming
        let mid = spec.midChannels, k = spec.kernel, eps = naming.batchNormEps
        let keys = naming.keys(prefix: prefix, expands: spec.expandRatio != 1)
        if let expandKey = keys.expand, let bn0Key = keys.bn0 {
            let s = Conv2DShape(inChannels: spec.inChannels, outChannels: mid, kernel: 1)
            expandShape = s
            expandWeight = TrainableTensor(key: expandKey, torchShape: [mid, spec.inChannels, 1, 1], layout: .convGEMM(s),
                                           torchValue: try parameters(expandKey, [mid, spec.inChannels, 1, 1]), decays: true)
            bn0 = try TrainableBatchNorm(prefix: bn0Key, channels: mid, relu6: true, eps: eps, parameters: parameters)
        } else {
            expandShape = nil; expandWeight = nil; bn0 = nil
        }
        depthwiseWeight = TrainableTensor(key: keys.depthwise, torchShape: [mid, 1, k, k],
                                          layout: .depthwise(channels: mid, taps: k * k),
                                          torchValue: try parameters(keys.depthwise, [mid, 1, k, k]), decays: true)
        bn1 = try TrainableBatchNorm(prefix: keys.bn1, channels: mid, relu6: true, eps: eps, parameters: parameters)
        projectShape = Conv2DShape(inChannels: mid, outChannels: spec.outChannels, kernel: 1)
        projectWeight = TrainableTensor(key: keys.project, torchShape: [spec.outChannels, mid, 1, 1],
                                        layout: .convGEMM(projectShape),
                                        torchValue: try parameters(keys.project, [spec.outChannels, mid, 1, 1]), decays: true)
        bn2 = try TrainableBatchNorm(prefix: keys.bn2, channels: spec.outChannels, relu6: false, eps: eps, parameters: parameters)
    }

    /// Every tensor in checkpoint order (weights, BN affine and running statistics).
    public var tensors: [TrainableTensor] {
        var t: [TrainableTensor] = []
        if let expandWeight, let bn0 { t.append(expandWeight); t += bn0.tensors }
        t.append(depthwiseWeight); t += bn1.tensors
        t.append(projectWeight); t += bn2.tensors
        return t
    }

    var batchNorms: [TrainableBatchNorm] { (bn0.map { [$0] } ?? []) + [bn1, bn2] }

    func depthwise() -> DepthwiseConv2D {
        let c = spec.midChannels, k = spec.kernel
        return DepthwiseConv2D(channels: c, kernel: k, stride: spec.stride, padding: naming.depthwisePadding(kernel: k),
                               weightCHW: TrainableTensor.toTorch(depthwiseWeight.value, .depthwise(channels: c, taps: k * k)))
    }

    /// Output size of one axis (TF SAME, or symmetric k/2 with an odd k: ceil(in / stride)).
    public func outputSize(_ size: Int) -> Int { (size + spec.stride - 1) / spec.stride }

    /// y [N, OH, OW, out] = block(x [N, H, W, in]) with BN in `mode`, and what backward needs.
    public func forward(_ x: [Float], batch n: Int, height h: Int, width w: Int, mode: BatchNormMode,
                        workspace: Workspace) -> (y: [Float], saved: Saved) {
        let cin = spec.inChannels, mid = spec.midChannels, cout = spec.outChannels
        precondition(x.count == n * h * w * cin, "TrainableMBConv \(prefix): input must be [\(n), \(h), \(w), \(cin)], got \(x.count) floats")
        let oh = outputSize(h), ow = outputSize(w)
        var e: [Float] = [], a0: [Float] = []
        var s0: TrainableBatchNorm.Saved?
        if let expandShape, let expandWeight, let bn0 {
            e = TrainingMemory.overwritten(n * h * w * mid)
            a0 = TrainingMemory.overwritten(n * h * w * mid)
            FineTuneProfile.time(.conv1x1Forward, flops: 2 * n * h * w * cin * mid) {
                x.withUnsafeBufferPointer { xb in e.withUnsafeMutableBufferPointer { eb in
                    expandWeight.pointwiseForward(shape: expandShape, xb.baseAddress!, batch: n, height: h, width: w,
                                                  into: eb.baseAddress!, workspace: workspace)
                }}
            }
            FineTuneProfile.time(.batchNormForward) {
                e.withUnsafeBufferPointer { eb in a0.withUnsafeMutableBufferPointer { ab in
                    s0 = bn0.forward(eb.baseAddress!, rows: n * h * w, into: ab.baseAddress!, mode: mode)
                }}
            }
        }
        var d = TrainingMemory.overwritten(n * oh * ow * mid), a1 = TrainingMemory.overwritten(n * oh * ow * mid)
        let dw = depthwise()
        let taps = spec.kernel * spec.kernel
        FineTuneProfile.time(.depthwiseForward, flops: 2 * n * oh * ow * mid * taps) {
            (expandWeight == nil ? x : a0).withUnsafeBufferPointer { ib in d.withUnsafeMutableBufferPointer { db in
                _ = dw.forward(ib.baseAddress!, batch: n, height: h, width: w, into: db.baseAddress!)
            }}
        }
        let s1 = FineTuneProfile.time(.batchNormForward) {
            d.withUnsafeBufferPointer { db in a1.withUnsafeMutableBufferPointer { ab in
                bn1.forward(db.baseAddress!, rows: n * oh * ow, into: ab.baseAddress!, mode: mode)
            }}
        }
        var p = TrainingMemory.overwritten(n * oh * ow * cout), y = TrainingMemory.overwritten(n * oh * ow * cout)
        FineTuneProfile.time(.conv1x1Forward, flops: 2 * n * oh * ow * mid * cout) {
            a1.withUnsafeBufferPointer { ab in p.withUnsafeMutableBufferPointer { pb in
                projectWeight.pointwiseForward(shape: projectShape, ab.baseAddress!, batch: n, height: oh, width: ow,
                                               into: pb.baseAddress!, workspace: workspace)
            }}
        }
        let s2 = FineTuneProfile.time(.batchNormForward) {
            p.withUnsafeBufferPointer { pb in y.withUnsafeMutableBufferPointer { yb in
                bn2.forward(pb.baseAddress!, rows: n * oh * ow, into: yb.baseAddress!, mode: mode)
            }}
        }
        if spec.hasSkip {
            FineTuneProfile.time(.residual) {
                x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { yb in
                    residualAdd(xb.baseAddress!, into: yb.baseAddress!, count: xb.count)
                }}
            }
        }
        return (y, Saved(n: n, h: h, w: w, oh: oh, ow: ow, x: x, e: e, a0: a0, d: d, a1: a1, p: p, s0: s0, s1: s1, s2: s2))
    }

    /// dx [N, H, W, in] from dy [N, OH, OW, out]; accumulates every parameter gradient.
    /// Without `inputGradient` (the lowest trained block) dx is not computed and [] is returned.
    public func backward(_ dy: [Float], saved s: Saved, workspace: Workspace, inputGradient: Bool = true) -> [Float] {
        let cin = spec.inChannels, mid = spec.midChannels, cout = spec.outChannels
        let n = s.n, h = s.h, w = s.w, oh = s.oh, ow = s.ow
        precondition(dy.count == n * oh * ow * spec.outChannels, "TrainableMBConv \(prefix): dy has the wrong size")
        var g = TrainingMemory.overwritten(dy.count)        // [N, OH, OW, out] dp
        // BN2 has no activation: its "y" is never read, pass p.
        FineTuneProfile.time(.batchNormBackward) {
            s.p.withUnsafeBufferPointer { pb in g.withUnsafeMutableBufferPointer { gb in
                dy.withUnsafeBufferPointer { yb in
                    if TrainingKernels.fused && TrainingKernels.batchNormInDxTiles {
                        // The fused backward only reads dy and writes dx = g: no copy of dy into g first (same floats;
                        // behind the switch: a 1–2 MB copy per chunk is below what the step's timing resolves).
                        bn2.backward(x: pb.baseAddress!, y: pb.baseAddress!, dy: UnsafeMutablePointer(mutating: yb.baseAddress!),
                                     rows: n * oh * ow, saved: s.s2, dx: gb.baseAddress!)
                    } else {
                        gb.baseAddress!.update(from: yb.baseAddress!, count: yb.count)
                        bn2.backward(x: pb.baseAddress!, y: pb.baseAddress!, dy: gb.baseAddress!, rows: n * oh * ow, saved: s.s2,
                                     dx: gb.baseAddress!)
                    }
                }
            }}
        }
        var da1 = TrainingMemory.overwritten(n * oh * ow * mid)
        if TrainingKernels.batchNormInDxTiles, projectBackwardWithBatchNorm(g, saved: s, into: &da1) {
            // dW, dx and BN1's backward done (the latter inside the dx GEMM's tiles; timed as the 1×1 backward).
        } else {
            FineTuneProfile.time(.conv1x1Backward, flops: 4 * n * oh * ow * mid * cout) {
                s.a1.withUnsafeBufferPointer { ab in g.withUnsafeBufferPointer { gb in
                    da1.withUnsafeMutableBufferPointer { db in
                        projectWeight.pointwiseBackward(shape: projectShape, x: ab.baseAddress!, dy: gb.baseAddress!, batch: n,
                                                        height: oh, width: ow, dx: db.baseAddress!, workspace: workspace)
                    }
                }}
            }
            // da1 → dd (ReLU6 mask from a1, then BN1), in place.
            FineTuneProfile.time(.batchNormBackward) {
                s.d.withUnsafeBufferPointer { db in s.a1.withUnsafeBufferPointer { ab in da1.withUnsafeMutableBufferPointer { gb in
                    bn1.backward(x: db.baseAddress!, y: ab.baseAddress!, dy: gb.baseAddress!, rows: n * oh * ow, saved: s.s1, dx: gb.baseAddress!)
                }}}
            }
        }
        let dwInput = expandWeight == nil ? s.x : s.a0
        var dIn = TrainingMemory.overwritten(n * h * w * mid)          // [N, H, W, mid]
        let dw = depthwise()
        FineTuneProfile.time(.depthwiseBackward, flops: 4 * n * oh * ow * mid * spec.kernel * spec.kernel) {
            dwInput.withUnsafeBufferPointer { ib in da1.withUnsafeBufferPointer { gb in
                dIn.withUnsafeMutableBufferPointer { xb in depthwiseWeight.grad.withUnsafeMutableBufferPointer { wg in
                    // dW [k·k][mid] accumulates straight into the gradient.
                    dw.backward(x: ib.baseAddress!, y: nil, dy: gb.baseAddress!, batch: n, height: h, width: w,
                                dx: xb.baseAddress!, dWeight: wg.baseAddress!, dBias: nil)
                }}
            }}
        }
        var dx: [Float]
        if let expandShape, let expandWeight, let bn0 {
            FineTuneProfile.time(.batchNormBackward) {
                s.e.withUnsafeBufferPointer { eb in s.a0.withUnsafeBufferPointer { ab in dIn.withUnsafeMutableBufferPointer { gb in
                    bn0.backward(x: eb.baseAddress!, y: ab.baseAddress!, dy: gb.baseAddress!, rows: n * h * w, saved: s.s0!, dx: gb.baseAddress!)
                }}}
            }
            dx = TrainingMemory.overwritten(inputGradient ? n * h * w * cin : 0)
            FineTuneProfile.time(.conv1x1Backward, flops: (inputGradient ? 4 : 2) * n * h * w * cin * mid) {
                s.x.withUnsafeBufferPointer { xb in dIn.withUnsafeBufferPointer { gb in
                    dx.withUnsafeMutableBufferPointer { ob in
                        expandWeight.pointwiseBackward(shape: expandShape, x: xb.baseAddress!, dy: gb.baseAddress!, batch: n,
                                                       height: h, width: w, dx: inputGradient ? ob.baseAddress! : nil,
                                                       workspace: workspace)
                    }
                }}
            }
        } else {
            dx = dIn
        }
        if !inputGradient { return [] }
        if spec.hasSkip {
            FineTuneProfile.time(.residual) {
                dy.withUnsafeBufferPointer { yb in dx.withUnsafeMutableBufferPointer { xb in
                    residualAdd(yb.baseAddress!, into: xb.baseAddress!, count: yb.count)
                }}
            }
        }
        return dx
    }

    /// The project convolution's backward with BN1's frozen backward inside its input-gradient GEMM
    /// (`TrainingKernels.batchNormInDxTiles`): dW += a1ᵀ·dp, then dd = BN1-backward(mask(dp·Wᵀ)) written tile by tile into
    /// `dd` (the floats of the separate passes). False (nothing done) where it does not apply: no packed kernels for the
    /// shape, batch statistics, the CPU without the AVX2 pass.
    private func projectBackwardWithBatchNorm(_ dp: [Float], saved s: Saved, into dd: inout [Float]) -> Bool {
        guard let kernel = projectWeight.pointwiseKernel(projectShape), s.s1.mean == nil, FrozenBatchNormTiles.supported,
              TrainingKernels.fused else { return false }
        let rows = s.n * s.oh * s.ow, mid = spec.midChannels, cout = spec.outChannels
        var done = false
        FineTuneProfile.time(.conv1x1Backward, flops: 4 * rows * mid * cout) {
            s.a1.withUnsafeBufferPointer { ab in s.d.withUnsafeBufferPointer { db in dp.withUnsafeBufferPointer { gb in
                dd.withUnsafeMutableBufferPointer { ob in projectWeight.grad.withUnsafeMutableBufferPointer { wg in
                    kernel.weightGradient(x: ab.baseAddress!, dy: gb.baseAddress!, rows: rows, into: wg.baseAddress!)
                    done = bn1.frozenBackwardInTiles(x: db.baseAddress!, y: ab.baseAddress!, rows: rows, saved: s.s1,
                                                     dx: ob.baseAddress!, rowTiles: kernel.inputGradientRowTiles(rows: rows)) { tiles, after in
                        kernel.inputGradient(gb.baseAddress!, rows: rows, into: ob.baseAddress!, rowTiles: tiles, after: after)
                    }
                }}
            }}}
        }
        precondition(done, "TrainableMBConv \(prefix): BN1's frozen backward did not run after dW was added")
        return true
    }
}
