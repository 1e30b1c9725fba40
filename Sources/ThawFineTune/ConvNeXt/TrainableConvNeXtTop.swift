import ThawBackbones
import ThawKernels

/// The trained top of a ConvNeXt: stages `firstStage`…3 — each stage ≥ 1 opened by its downsampling layer —
/// then the head's global mean over H×W and LayerNorm (timm `forward_head(pre_logits=True)`, the `pool` tap).
/// Input: maps at the stage boundary [N, H, W, C] (the `stem` or `stages.(firstStage − 1)` tap);
/// output: pooled features [N, C₃] for the classifier.
public final class TrainableConvNeXtTop {
    /// One trained stage: its downsampling layer (nil for stage 0) and blocks.
    public struct Stage {
        public let index: Int
        public let downsample: TrainableConvNeXtDownsample?
        public let blocks: [TrainableConvNeXtBlock]
    }

    public let stages: [Stage]
    public let headNormWeight: TrainableTensor, headNormBias: TrainableTensor   // [C₃]
    public let inputChannels: Int, outputChannels: Int

    public struct Saved {
        let downsample: [TrainableConvNeXtDownsample.Saved?]   // per stage
        let blocks: [[TrainableConvNeXtBlock.Saved]]           // per stage, per block
        let n: Int, h: Int, w: Int                             // the map under the pool
        let pooled: [Float]                                    // [N, C₃] mean over H×W (LN input)
        let mean: [Float], rstd: [Float]                       // [N]
    }

    public init(stages: [Stage], headNormWeight: TrainableTensor, headNormBias: TrainableTensor) {
        precondition(!stages.isEmpty && stages.allSatisfy { !$0.blocks.isEmpty }, "TrainableConvNeXtTop: needs stages with blocks")
        var c = stages[0].downsample?.inChannels ?? stages[0].blocks[0].channels
        inputChannels = c
        for s in stages {
            if let d = s.downsample {
                precondition(d.inChannels == c, "TrainableConvNeXtTop: \(d.name) takes \(d.inChannels) channels, gets \(c)")
                c = d.outChannels
            }
            for b in s.blocks { precondition(b.channels == c, "TrainableConvNeXtTop: \(b.prefix) takes \(b.channels) channels, gets \(c)") }
        }
        precondition(headNormWeight.count == c && headNormBias.count == c, "TrainableConvNeXtTop: head norm must be [\(c)]")
        outputChannels = c
        self.stages = stages
        self.headNormWeight = headNormWeight
        self.headNormBias = headNormBias
    }

    /// Layer-decay groups, lowest first: each downsampling layer and each block is one place below the next.
    public var groups: [[TrainableTensor]] {
        stages.flatMap { s in (s.downsample.map { [$0.tensors] } ?? []) + s.blocks.map(\.tensors) }
    }
    /// Checkpoint prefixes of the groups, lowest first ("stages.3.downsample.0", "stages.3.blocks.0.", …).
    public var groupNames: [String] {
        stages.flatMap { s in (s.downsample.map { [$0.name] } ?? []) + s.blocks.map { String($0.prefix.dropLast()) } }
    }
    public var headTensors: [TrainableTensor] { [headNormWeight, headNormBias] }
    public var tensors: [TrainableTensor] { groups.flatMap { $0 } + headTensors }

    /// Output (H, W) of the stages for an input map of h×w (each downsampling floors).
    public func outputSize(height h: Int, width w: Int) -> (Int, Int) {
        stages.reduce((h, w)) { hw, s in s.downsample == nil ? hw : (hw.0 / 2, hw.1 / 2) }
    }

    /// pooled [N, C₃] = LN(mean_HW(stages(x [N, H, W, C]))).
    public func forward(_ x: [Float], batch n: Int, height h: Int, width w: Int, workspace: Workspace) -> (pooled: [Float], saved: Saved) {
        var cur = x, ch = h, cw = w
        var ds: [TrainableConvNeXtDownsample.Saved?] = [], bs: [[TrainableConvNeXtBlock.Saved]] = []
        for s in stages {
            if let d = s.downsample {
                workspace.reset()
                let (y, saved) = d.forward(cur, batch: n, height: ch, width: cw, workspace: workspace)
                ds.append(saved); cur = y; ch = saved.oh; cw = saved.ow
            } else {
                ds.append(nil)
            }
            var stageSaved: [TrainableConvNeXtBlock.Saved] = []
            for b in s.blocks {
                let (y, saved) = b.forward(cur, batch: n, height: ch, width: cw)
                stageSaved.append(saved); cur = y
            }
            bs.append(stageSaved)
        }
        let c = outputChannels
        var pooled = [Float](repeating: 0, count: n * c), out = pooled     // [N, C₃]
        var mean = [Float](repeating: 0, count: n), rstd = mean
        cur.withUnsafeBufferPointer { xb in pooled.withUnsafeMutableBufferPointer { pb in
            Pooling.globalAvgPool(xb.baseAddress!, batch: n, height: ch, width: cw, channels: c, into: pb.baseAddress!)
        }}
        pooled.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { ob in
            headNormWeight.value.withUnsafeBufferPointer { gb in headNormBias.value.withUnsafeBufferPointer { bb in
                mean.withUnsafeMutableBufferPointer { mb in rstd.withUnsafeMutableBufferPointer { rb in
                    LayerNorm.forward(x: pb.baseAddress!, rows: n, channels: c, gamma: gb.baseAddress!, beta: bb.baseAddress!,
                                      eps: ConvNeXt.eps, y: ob.baseAddress!, mean: mb.baseAddress!, rstd: rb.baseAddress!)
                }}
            }}
        }}
        return (out, Saved(downsample: ds, blocks: bs, n: n, h: ch, w: cw, pooled: pooled, mean: mean, rstd: rstd))
    }

    /// d(input maps) [N, H, W, C] from dpooled [N, C₃] when `inputGradient`, else []; accumulates every gradient.
    public func backward(_ dpooled: [Float], saved s: Saved, workspace: Workspace, inputGradient: Bool = false) -> [Float] {
        let c = outputChannels
        var dp = dpooled                                                     // [N, C₃] → d(mean) in place
        s.pooled.withUnsafeBufferPointer { xb in dp.withUnsafeMutableBufferPointer { gb in
            headNormWeight.value.withUnsafeBufferPointer { wb in s.mean.withUnsafeBufferPointer { mb in s.rstd.withUnsafeBufferPointer { rb in
                headNormWeight.grad.withUnsafeMutableBufferPointer { dgb in headNormBias.grad.withUnsafeMutableBufferPointer { dbb in
                    LayerNorm.backward(x: xb.baseAddress!, dy: gb.baseAddress!, rows: s.n, channels: c, gamma: wb.baseAddress!,
                                       mean: mb.baseAddress!, rstd: rb.baseAddress!, dx: gb.baseAddress!,
                                       dGamma: dgb.baseAddress!, dBeta: dbb.baseAddress!)
                }}
            }}}
        }}
        var g = [Float](repeating: 0, count: s.n * s.h * s.w * c)            // [N, H, W, C₃]
        dp.withUnsafeBufferPointer { db in g.withUnsafeMutableBufferPointer { gb in
            Pooling.globalAvgPoolBackward(dy: db.baseAddress!, batch: s.n, height: s.h, width: s.w, channels: c, dx: gb.baseAddress!)
        }}
        for (si, stage) in stages.enumerated().reversed() {
            for (bi, b) in stage.blocks.enumerated().reversed() {
                let lowest = si == 0 && bi == 0 && stage.downsample == nil
                g = b.backward(g, saved: s.blocks[si][bi], inputGradient: !lowest || inputGradient)
            }
            if let d = stage.downsample, let saved = s.downsample[si] {
                workspace.reset()
                g = d.backward(g, saved: saved, workspace: workspace, inputGradient: si > 0 || inputGradient)
            }
        }
        return inputGradient ? g : []
    }

    /// Floats of saved activations per row for input maps of h×w: a block keeps about 14 maps of its width
    /// (x, d, u, v, f and g at 4C, its output), a downsampling layer two of its input and one of its output.
    public func activationFloatsPerRow(height h: Int, width w: Int) -> Int {
        var (h, w) = (h, w), floats = 0
        for s in stages {
            if let d = s.downsample {
                floats += 2 * d.inChannels * h * w
                (h, w) = (h / 2, w / 2)
                floats += d.outChannels * h * w
            }
            floats += s.blocks.reduce(0) { $0 + 14 * $1.channels * h * w }
        }
        return floats
    }
}
