@_spi(Profile) import ThawBackbones
import ThawKernels

/// Time of one layer in a profiled forward (benchmarks only).
public struct EfficientNetLayerTiming: Sendable {
    public var name: String        // e.g. "blocks.3.expand", "blocks.3.depthwise", "head"
    public var seconds: Double     // median over the repeats
    public var fastestSeconds: Double
    public var flops: Double       // 2 · multiply-adds
}

extension EfficientNetLite {
    /// Runs each layer of a `batch`×`size`×`size` forward on its own, `repeats` times after a
    /// warm-up, and returns the median time per layer. For finding what dominates; allocates.
    public func profileLayers(batch n: Int, size: Int, repeats: Int = 5) -> [EfficientNetLayerTiming] {
        profileInvertedResidualLayers(stem: stem, blocks: blocks, head: head, packedHead: packedHead, fc: fc, classCount: classCount,
                                      batch: n, size: size, repeats: repeats)
    }
}

extension MobileNetV2 {
    /// As `EfficientNetLite.profileLayers` (block i is `features.(i+1)`, named `blocks.i` here).
    public func profileLayers(batch n: Int, size: Int, repeats: Int = 5) -> [EfficientNetLayerTiming] {
        profileInvertedResidualLayers(stem: stem, blocks: blocks, head: head, packedHead: packedHead, fc: fc, classCount: classCount,
                                      batch: n, size: size, repeats: repeats)
    }
}

/// Stem, then per block expand / depthwise / project (and the skip add, as `blocks.i.add`), then
/// head, pool and fc, each layer over the whole batch, unchunked; and each whole block as the
/// forward runs it (`blocks.i.block-fused`, `-phased` or `-layered`); the head as the forward runs it
/// (`head.as-run-packed` when the packed kernel takes it) is timed the same way.
func profileInvertedResidualLayers(stem: Conv2D, blocks: [EfficientNetBlock], head: Conv2D, packedHead: PackedPointwise, fc: LinearParameters,
                                   classCount: Int, batch n: Int, size: Int, repeats: Int) -> [EfficientNetLayerTiming] {
    precondition(n > 0 && size > 0 && repeats > 0, "profileLayers: batch, size and repeats must be positive")
    var out: [EfficientNetLayerTiming] = []
    let ws = Workspace()
    func timed(_ name: String, flops: Double, _ body: () -> Void) {
        let t = timedRuns(repeats: repeats, body, after: { ws.reset() })
        out.append(EfficientNetLayerTiming(name: name, seconds: t.median, fastestSeconds: t.fastest, flops: flops))
    }
    func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
        p.initialize(repeating: 0.25, count: count)
        return p
    }
    var h = size, w = size, c = 3
    var x = buffer(n * h * w * c)
    func pointwise(_ name: String, _ conv: Conv2D) {
        let y = buffer(n * h * w * conv.shape.outChannels)
        timed(name, flops: 2.0 * Double(n * h * w * conv.shape.inChannels * conv.shape.outChannels)) {
            conv.forward(x, batch: n, height: h, width: w, into: y, workspace: ws)
        }
        x.deallocate(); x = y; c = conv.shape.outChannels
    }
    // Stem (im2col + GEMM).
    let sg = stem.shape.geometry(height: h, width: w)
    let stemC = stem.shape.outChannels
    let stemOut = buffer(n * sg.outHeight * sg.outWidth * stemC)
    timed("stem", flops: 2.0 * Double(n * sg.outHeight * sg.outWidth * stemC * stem.shape.patchSize)) {
        stem.forward(x, batch: n, height: h, width: w, into: stemOut, workspace: ws)
    }
    x.deallocate(); x = stemOut; (h, w, c) = (sg.outHeight, sg.outWidth, stemC)
    for (i, block) in blocks.enumerated() {
        let blockInput = buffer(n * h * w * c)
        blockInput.update(from: x, count: n * h * w * c)
        // The whole block as the forward runs it (band by band when `fusedPlan` says so), for the
        // layer-by-layer sum below to be compared with: kind "block", not part of the total.
        do {
            let (bh, bw) = (block.outputSize(h), block.outputSize(w))
            let y = buffer(n * bh * bw * block.spec.outChannels)
            let scratch = buffer(block.scratchCount(batch: n, height: h, width: w))
            let mid = block.spec.midChannels, k = block.depthwise.kernelH
            let flops = 2.0 * Double(n) * (Double(block.expand == nil ? 0 : h * w * block.spec.inChannels * mid)
                                           + Double(bh * bw * mid * (k * k + block.spec.outChannels)))
            let how = block.fusedPlan(batch: n, height: h, width: w) != nil ? "fused"
                : InvertedResidual.usesPhased(batch: n) ? "phased" : "layered"
            timed("blocks.\(i).block-\(how)", flops: flops) {
                block.forward(blockInput, batch: n, height: h, width: w, into: y, scratch: scratch, workspace: ws)
            }
            y.deallocate(); scratch.deallocate()
        }
        if let e = block.expand { pointwise("blocks.\(i).expand", e) }
        let d = block.depthwise
        let dh = block.outputSize(h), dw = block.outputSize(w)
        let y = buffer(n * dh * dw * c)
        timed("blocks.\(i).depthwise\(d.kernelH)s\(d.strideH)", flops: 2.0 * Double(n * dh * dw * c * d.kernelH * d.kernelW)) {
            d.forward(x, batch: n, height: h, width: w, into: y)
        }
        x.deallocate(); x = y; (h, w) = (dh, dw)
        pointwise("blocks.\(i).project", block.project)
        if block.spec.hasSkip {
            timed("blocks.\(i).add", flops: Double(n * h * w * c)) { residualAdd(blockInput, into: x, count: n * h * w * c) }
        }
        blockInput.deallocate()
    }
    do {
        let y = buffer(n * h * w * head.shape.outChannels)
        var packed = false
        timed("head.block-as-run", flops: 2.0 * Double(n * h * w * head.shape.inChannels * head.shape.outChannels)) {
            packed = packedHead.forwardParallel(x, rows: n * h * w, into: y)
        }
        if !packed { out.removeLast() }
        y.deallocate()
    }
    pointwise("head", head)
    let pooled = buffer(n * c)
    timed("pool", flops: Double(n * h * w * c)) { Pooling.globalAvgPool(x, batch: n, height: h, width: w, channels: c, into: pooled) }
    let logits = buffer(n * classCount)
    timed("fc", flops: 2.0 * Double(n * c * classCount)) {          // as the forward runs it (a matrix-vector product at batch 1)
        Linear.forwardFewRows(fc, x: pooled, rows: n, y: logits)
    }
    x.deallocate(); pooled.deallocate(); logits.deallocate()
    return out
}
