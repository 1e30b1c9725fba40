import Dispatch
import Foundation
import ThawBLAS
import ThawKernels

/// Image chains (`InvertedResidual.imageChains`): at batches of at least the core count, the stem, the fused
/// blocks, the head and the pool (up to a tap) run image by image — each worker claims an image and takes it through every stage of the chain on
/// its own core, between two per-worker image buffers, so a map is read back from that core's L2/L3 instead of DRAM
/// (stage by stage, batch 32's maps — 51 MB after the stem — leave the 32 MB L3). Each stage computes each image
/// alone either way (the stem's small-input kernel per row, the fused blocks band by band, the packed head per row, the
/// pool per image): the same floats. The per-worker buffers: two of the largest map between stages (1.6 MB at 112×112×32)
/// and one block's band scratch.
extension InvertedResidualStages {
    /// The last stage of the image chain starting at stage `i` (≤ `end`, not past a tap), or nil when fewer than two
    /// stages chain. Chainable: the stem on its small-input kernel, blocks with a fused plan at batch `n`, the packed head
    /// and the average pool (`InvertedResidual.imageChainsHead`).
    func imageChainEnd(from i: Int, to end: Int, batch n: Int, height h: Int, width w: Int, taps: Set<Int>) -> Int? {
        guard InvertedResidual.imageChains, n >= PhaseChain.cores, PackedPointwise.enabled, VectorISA.packedKernels else { return nil }
        var j = i, ph = h, pw = w
        // The head as the stage-by-stage path runs it: packed (its chunks of images within `parallelMaxRows`), not sgemm.
        func headPacked(_ ph: Int, _ pw: Int) -> Bool {
            let pixels = ph * pw, chunk = min(n, max(1, chunkFloats / (pixels * (head.shape.inChannels + head.shape.outChannels))))
            return chunk * pixels <= PackedPointwise.parallelMaxRows
        }
        while j <= end, j == i || !taps.contains(j - 1) {
            if j == 0 {
                guard stem.runsSmallInputKernel else { break }
                let g = stem.shape.geometry(height: ph, width: pw)
                (ph, pw) = (g.outHeight, g.outWidth)
            } else if j <= blocks.count, blocks[j - 1].fusedPlan(batch: n, height: ph, width: pw)?.segmentsPerImage == 1 {
                (ph, pw) = (blocks[j - 1].outputSize(ph), blocks[j - 1].outputSize(pw))
            } else if InvertedResidual.imageChainsHead, j == blocks.count + 1 && headPacked(ph, pw) || j == blocks.count + 2 && j > i {
                if j == blocks.count + 2 { (ph, pw) = (1, 1) }
            } else {
                break
            }
            j += 1
        }
        return j - i >= 2 ? j - 1 : nil
    }

    /// Stages `stages` (from `imageChainEnd`) over x [n, h, w, c] into y [n, OH, OW, OC], image by image; returns
    /// (OH, OW, OC). Takes its per-worker buffers from `ws`; y overlaps nothing else.
    func runImageChain(_ stages: ClosedRange<Int>, x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                       channels c: Int, into y: UnsafeMutablePointer<Float>, workspace ws: Workspace) -> (Int, Int, Int) {
        // Per stage: input size, output size, the block's plan.
        var sizes: [(ih: Int, iw: Int, oh: Int, ow: Int, oc: Int, plan: InvertedResidualPlan?)] = []
        var ph = h, pw = w, pc = c
        for j in stages {
            if j == 0 {
                let g = stem.shape.geometry(height: ph, width: pw)
                sizes.append((ph, pw, g.outHeight, g.outWidth, stem.shape.outChannels, nil))
            } else if j == blocks.count + 1 {
                sizes.append((ph, pw, ph, pw, head.shape.outChannels, nil))
            } else if j == blocks.count + 2 {
                sizes.append((ph, pw, 1, 1, pc, nil))
            } else {
                let b = blocks[j - 1]
                sizes.append((ph, pw, b.outputSize(ph), b.outputSize(pw), b.spec.outChannels, b.fusedPlan(batch: n, height: ph, width: pw)))
            }
            (ph, pw, pc) = (sizes.last!.oh, sizes.last!.ow, sizes.last!.oc)
        }
        let workers = min(PhaseChain.cores, n)
        func lines(_ floats: Int) -> Int { (floats + 15) & ~15 }                     // whole 64-byte lines: aligned buffers
        let mapFloats = lines(sizes.dropLast().map { $0.oh * $0.ow * $0.oc }.max() ?? 0)   // the intermediate maps of one image
        let blockFloats = lines(sizes.compactMap { $0.plan?.workerFloats }.max() ?? 0)
        let perWorker = 2 * mapFloats + blockFloats
        let buffers = ws.take(workers * perWorker)
        let inPer = h * w * c, outPer = ph * pw * pc
        let counter = WorkCounter()
        BLAS.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: workers) { t in
                let a = buffers + t * perWorker, b = a + mapFloats, scratch = b + mapFloats
                while let image = counter.next(below: n) {
                    var source = UnsafePointer(x + image * inPer)
                    for (k, j) in stages.enumerated() {
                        let s = sizes[k]
                        let target = k == sizes.count - 1 ? y + image * outPer : (k % 2 == 0 ? a : b)
                        if j == 0 {
                            stem.forwardSmallInputSerial(source, batch: 1, height: s.ih, width: s.iw, into: target)
                        } else if j == blocks.count + 1 {       // each row one dot product in k order: as the batch's tiles
                            packedHead.forward(source, rows: s.ih * s.iw, into: target)
                        } else if j == blocks.count + 2 {       // one image: runs inline, the batch's order of sums
                            Pooling.globalAvgPool(source, batch: 1, height: s.ih, width: s.iw, channels: s.oc, into: target)
                        } else {
                            let block = blocks[j - 1]
                            InvertedResidual.forwardImage(s.plan!, expand: block.expand, depthwise: block.depthwise,
                                                          project: block.project, packed: (block.packedExpand, block.packedProject),
                                                          skip: block.spec.hasSkip, x: source, height: s.ih, width: s.iw,
                                                          into: target, scratch: scratch)
                        }
                        source = UnsafePointer(target)
                    }
                }
            }
        }
        return (ph, pw, pc)
    }
}
