import Dispatch

/// The AVX-512 (or, without AVX-512, the AVX2: same layouts, same floats) depthwise backward over whole images by blocks of 16 channels, for the layers it covers:
/// stride 1, dilation 1, "same" output size, no activation mask, channels a multiple of 16 (Lite0 blocks 12–15,
/// 5×5 and 3×3 on 7×7 maps; 14×14 maps alike). Each gradient is a gather over zero-padded copies of the block's
/// g and x (`AVX512Kernels.depthwiseBackwardGroup`): one load per multiply-add instead of the row kernel's three
/// loads and a store per two. The copies in and out take all of a task's channels of a pixel at once: whole
/// images per call (`thaw-finetune-bench --depthwise`, 5×5 on 7×7 × 1,152, per CPU-second over the row kernel:
/// one block per pixel 1.23×, 4 blocks 1.25–1.39×, 8 1.25×, 16 1.31×, all 72 1.72–2.06×: streaming a pixel's
/// 4.6 kB beats touching a page per pixel per block). Other layers (stride 2, masks, odd channel counts) take the
/// row kernel.
///
/// Parallel split as `backward`: whole images per task with task-local dW/db reduced in task order
/// (deterministic), or channel blocks per task when there are fewer images than cores.
extension DepthwiseConv2D {
    /// True (and the gradients done) when this layer and CPU take the block kernel; false: nothing was touched.
    func backwardInBlocks(x: UnsafePointer<Float>, y: UnsafePointer<Float>?, dy: UnsafePointer<Float>,
                          batch n: Int, height h: Int, width w: Int, dx: UnsafeMutablePointer<Float>?,
                          dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?) -> Bool {
        let g = geometry(height: h, width: w)
        let c = channels
        guard TrainingKernels.fused && TrainingKernels.depthwiseBlocks, let build = VectorISA.packedBuild,
              activation == .identity, c % 16 == 0, n > 0,
              g.strideH == 1 && g.strideW == 1 && g.dilationH == 1 && g.dilationW == 1,
              g.outHeight == h && g.outWidth == w else { return false }
        let taps = kernelH * kernelW, blocks = c / 16
        let cores = ParallelRows.cores
        let byImage = n >= cores || blocks < 2
        let tasks = byImage ? min(n, cores) : min(cores, blocks)
        let plane = build.depthwiseBlockPlaneFloats(height: h, width: w, kernelH: kernelH, kernelW: kernelW)
        // Per task, G = its blocks: gpad, xpad [G][PH][PW][16] (≈ 1.1 MB for 5×5 on 7×7 × 1,152), dx planes
        // [G][H][W][16], a 7-pixel strip [7·16]; with images split, partial dW, db [taps·C + C].
        let group = byImage ? blocks : (blocks + tasks - 1) / tasks
        let partialFloats = byImage && tasks > 1 ? taps * c + c : 0
        let fixed = 2 * group * plane + group * h * w * 16 + 7 * 16
        let perTask = fixed + partialFloats
        var scratch = [Float](repeating: 0, count: tasks * perTask)
        weight.withUnsafeBufferPointer { wb in
            scratch.withUnsafeMutableBufferPointer { sb in
                let wp = wb.baseAddress!, s = sb.baseAddress!
                let run = { (t: Int) in
                    let base = s + t * perTask
                    let gpad = base, xpad = base + group * plane, dxPlanes = base + 2 * group * plane
                    let strip = dxPlanes + group * h * w * 16
                    let images: Range<Int>, blockRange: Range<Int>
                    var dW = dWeight, dB = dBias
                    if byImage {
                        let per = (n + tasks - 1) / tasks
                        images = min(n, t * per)..<min(n, (t + 1) * per); blockRange = 0..<blocks
                        if partialFloats > 0 { dW = base + fixed; dB = dBias == nil ? nil : dW + taps * c }
                    } else {
                        let per = (blocks + tasks - 1) / tasks
                        images = 0..<n; blockRange = min(blocks, t * per)..<min(blocks, (t + 1) * per)
                    }
                    for img in images {
                        let offset = img * h * w * c
                        for b in stride(from: blockRange.lowerBound, to: blockRange.upperBound, by: group) {
                            let ch = b * 16
                            let count = min(group, blockRange.upperBound - b)
                            build.depthwiseBackwardGroup(
                                dy: dy + offset + ch, x: x + offset + ch, channels: c, blocks: count,
                                height: h, width: w, kernelH: self.kernelH, kernelW: self.kernelW, padTop: g.pad.top,
                                padLeft: g.pad.left, gpad: gpad, xpad: xpad, weight: wp + ch, dWeight: dW + ch,
                                dBias: dB.map { $0 + ch }, dx: dx.map { $0 + offset + ch }, dxPlanes: dxPlanes, strip: strip)
                        }
                    }
                }
                if tasks == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: tasks, execute: run) }
                if partialFloats > 0 {
                    for t in 0..<tasks {
                        let p = s + t * perTask + fixed
                        for i in 0..<taps * c { dWeight[i] += p[i] }
                        if let dBias { for j in 0..<c { dBias[j] += p[taps * c + j] } }
                    }
                }
            }
        }
        return true
    }
}
