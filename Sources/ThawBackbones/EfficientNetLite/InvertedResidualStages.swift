import Foundation
import ThawKernels

/// The frozen skeleton EfficientNet-Lite and MobileNetV2 share: a strided 3×3 stem convolution →
/// inverted-residual blocks (`EfficientNetBlock`) → a 1×1 head convolution → global average pool →
/// a linear classifier. The families differ only in what their loaders fold into these parts
/// (key names, BatchNorm eps, TF SAME vs symmetric padding, block table) and in their cut names.
///
/// Stage i is cut point i: 0 stem, 1…N blocks, N+1 head, N+2 pool, N+3 fc; `cutPoints` must
/// list exactly these N+4 names in that order.
protocol InvertedResidualStages: Backbone {
    var stem: Conv2D { get }               // 3 → stem channels, stride 2, ReLU6 fused
    var blocks: [EfficientNetBlock] { get }
    var head: Conv2D { get }               // last block's width → head channels, 1×1, ReLU6 fused
    var packedHead: PackedPointwise { get } // `head` packed once (few rows at batch 1: all cores, no BLAS call)
    var fc: LinearParameters { get }       // [classes, head channels]
    var classCount: Int { get }
    var workspace: Workspace { get }       // activations of the current forward
    var lock: NSLock { get }               // one forward at a time per instance
    /// Floats one convolution stage may touch per call (input + expanded maps + output of a
    /// chunk of images); a batch runs through each stage in chunks of that size (at least one image).
    var chunkFloats: Int { get }
}

extension InvertedResidualStages {
    /// Per-sample shape after stage `index` (0 = stem, 1…N = blocks, N+1 head, N+2 pool, N+3 fc)
    /// for an input of `h`×`w`.
    func stageOutputShape(_ index: Int, height h: Int, width w: Int) -> [Int] {
        let n = blocks.count
        if index == n + 3 { return [classCount] }
        if index == n + 2 { return [head.shape.outChannels] }
        let g = stem.shape.geometry(height: h, width: w)
        var oh = g.outHeight, ow = g.outWidth
        for b in blocks.prefix(min(index, n)) { oh = b.outputSize(oh); ow = b.outputSize(ow) }
        let c = index == 0 ? stem.shape.outChannels
            : index <= n ? blocks[index - 1].spec.outChannels : head.shape.outChannels
        return [oh, ow, c]
    }

    /// `Backbone.computesSamplesAlone` for an image network: on AVX-512 or AVX2+FMA CPUs (`VectorISA.packedKernels`;
    /// both builds compute each output alone) with the fused blocks and the packed
    /// 1×1 kernel on, every stage up to `pool` runs per row (the stem's small-input kernel per output pixel;
    /// blocks band by band or in phases, each output one dot product over k in order; the head packed, as
    /// its chunks stay under `PackedPointwise.parallelMaxRows` rows; the pool per image). `fc` is excluded:
    /// above a few rows it is one sgemm. Checked record for record on Fashion-MNIST (`thaw extract` with
    /// forwards of 16, 32 and 64 samples: identical caches) and in ExtractBatchInvarianceTests.
    /// Pitfall: never with PackedPointwise's BLAS fallback, whose sgemm sums depend on the rows per call (records of
    /// forwards of 16 and 64 samples differed by 2e-3).
    func stagedComputesSamplesAlone(taps: [String]) -> Bool {
        guard VectorISA.packedKernels, PackedPointwise.enabled, InvertedResidual.enabled, stem.runsSmallInputKernel,
              let indices = try? taps.map({ try cutIndex($0) }) else { return false }
        let headRowsPerChunk = chunkFloats / (head.shape.inChannels + head.shape.outChannels)
        return indices.allSatisfy { $0 <= blocks.count + 2 } && headRowsPerChunk <= PackedPointwise.parallelMaxRows
    }

    /// `Backbone.outputShape` for an image network.
    func stagedOutputShape(at cut: String, inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 3, inputShape[2] == 3, inputShape[0] > 0, inputShape[1] > 0 else {
            throw BackboneError("\(name) takes [H, W, 3] images, got per-sample shape \(inputShape)")
        }
        return stageOutputShape(try cutIndex(cut), height: inputShape[0], width: inputShape[1])
    }
}
