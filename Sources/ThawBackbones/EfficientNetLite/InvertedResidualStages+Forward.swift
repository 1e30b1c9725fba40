import ThawKernels

extension InvertedResidualStages {
    /// Runs the stages after `from` (or from the raw NHWC image batch) up to the last tap.
    ///
    /// Stage i is cut point i: 0 stem, 1…N blocks, N+1 head, N+2 pool, N+3 fc. Activations
    /// ping-pong between two workspace buffers sized for the largest map of this call; the
    /// block scratch (expanded + depthwise maps) is a third. Only the taps are copied out.
    func stagedForward(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations] {
        let start = try from.map { try cutIndex($0) + 1 } ?? 0
        let tapIndices = try taps.map { try cutIndex($0) }
        guard let end = tapIndices.max() else { return [:] }
        if let early = tapIndices.first(where: { $0 < start }) {
            throw BackboneError("\(name): tap '\(cutPoints[early].name)' is not after the starting cut '\(from ?? "input")'; "
                                + "ask for taps later in the network, or start earlier")
        }
        let x = input.tensor
        let pooledInput = start > blocks.count + 2             // starting after `pool`: [N, 1280]
        let wantChannels = start == 0 ? 3 : stageOutputShape(start - 1, height: 1, width: 1).last!
        guard x.rank == (pooledInput ? 2 : 4), x.shape.allSatisfy({ $0 > 0 }), x.shape.last == wantChannels else {
            let expected = pooledInput ? "[N, \(wantChannels)]" : "[N, H, W, \(wantChannels)]"
            throw BackboneError("\(name): input at '\(from ?? "input")' must be \(expected), got \(x.shape)")
        }
        let n = x.shape[0]
        var h = pooledInput ? 1 : x.shape[1], w = pooledInput ? 1 : x.shape[2]

        // Plan: the largest activation and block scratch between start and end.
        var maxActivation = x.count, maxScratch = 0
        var chunks: [Int] = []                        // images per call of stage start + j
        do {
            var ph = h, pw = w, pc = wantChannels
            for i in start...end {
                let shape = i == 0 ? stageOutputShape(0, height: ph, width: pw) : stageShape(i, height: ph, width: pw)
                let outPer = shape.reduce(1, *)
                let block = (1...blocks.count).contains(i) ? blocks[i - 1] : nil
                if let plan = block?.fusedPlan(batch: n, height: ph, width: pw) {
                    // Fused blocks keep their working set in cache band by band: the whole batch at once.
                    chunks.append(n)
                    maxScratch = max(maxScratch, plan.scratchFloats)
                } else {
                    let scratchPer = block?.scratchCount(batch: 1, height: ph, width: pw) ?? 0
                    let chunk = i > blocks.count + 1 ? n : min(n, max(1, chunkFloats / (ph * pw * pc + scratchPer + outPer)))
                    chunks.append(chunk)
                    maxScratch = max(maxScratch, block?.scratchCount(batch: chunk, height: ph, width: pw) ?? 0)
                }
                if i == blocks.count + 1 { maxScratch = max(maxScratch, n * shape.last!) }   // the head's pooled rows (chain)
                if shape.count == 3 { (ph, pw, pc) = (shape[0], shape[1], shape[2]) } else { pc = shape[0] }
                maxActivation = max(maxActivation, n * outPer)
            }
        }

        lock.lock()
        defer { lock.unlock() }
        let ws = workspace
        defer { ws.reset() }                         // after the first call the arena holds the high-water mark
        var current = ws.take(maxActivation)         // [N, H, W, C] (or [N, C]) entering stage i
        var next = ws.take(maxActivation)            // its output
        let scratch = ws.take(maxScratch)            // block: [chunk, H, W, mid] + [chunk, OH, OW, mid]
        // A chain that starts at the stem (batch 1) reads the input where it lies (`InvertedResidual.chainReadsInput`)
        // instead of a copy in the workspace; any other start copies it, and so does the stem when it runs unchained.
        let stemMayReadInput = start == 0 && InvertedResidual.chainReadsInput && InvertedResidual.chainsStages && n < PhaseChain.cores
        if !stemMayReadInput { x.data.withUnsafeBufferPointer { current.update(from: $0.baseAddress!, count: x.count) } }

        var c = wantChannels
        var outputs: [String: Activations] = [:]
        let tapSet = Set(tapIndices)
        func record(_ i: Int) {
            guard tapSet.contains(i) else { return }
            let flat = i >= blocks.count + 2
            let shape = flat ? [n, c] : [n, h, w, c]
            let count = shape.reduce(1, *)
            outputs[cutPoints[i].name] = Activations(tensor: Tensor(shape: shape,
                data: Array(UnsafeBufferPointer(start: current, count: count))))
        }
        // In a chain the head may pool as it goes (`InvertedResidual.chainPoolsInHead`): its units write the pooled
        // rows to `scratch` (free after the blocks); the pool stage then has no phase when the fc follows in the chain
        // (the fc reads `scratch`), else a one-unit copy to its output. Set by the head's stage, read by the next two.
        var pooledInScratch = false, fcReadsScratch = false
        /// Stage j's phases reading x [n, ih, iw, ic] into y, and its output size; nil when it cannot join a chain.
        func chainable(_ j: Int, _ x: UnsafeMutablePointer<Float>, _ ih: Int, _ iw: Int, _ ic: Int,
                       _ y: UnsafeMutablePointer<Float>) -> ([Phase], (Int, Int, Int))? {
            switch j {
            case 0:
                let g = stem.shape.geometry(height: ih, width: iw)
                return stem.smallInputPhase(x, batch: n, height: ih, width: iw, into: y).map { ([$0.labelled("stem")], (g.outHeight, g.outWidth, stem.shape.outChannels)) }
            case 1...blocks.count:
                let b = blocks[j - 1]
                return b.phases(x, batch: n, height: ih, width: iw, into: y, scratch: scratch)
                    .map { ($0.map { $0.labelled("b\(j) " + $0.label) }, (b.outputSize(ih), b.outputSize(iw), b.spec.outChannels)) }
            case blocks.count + 1:
                let size = (ih, iw, head.shape.outChannels)
                (pooledInScratch, fcReadsScratch) = (false, false)
                if InvertedResidual.chainPoolsInHead, j + 1 <= end, !tapSet.contains(j),
                   let phase = packedHead.pooledParallelPhase(x, images: n, pixels: ih * iw, into: y, pooled: scratch) {
                    pooledInScratch = true
                    fcReadsScratch = j + 2 <= end && !tapSet.contains(j + 1) && Linear.fewRowsPhase(fc, x: scratch, rows: n, y: y) != nil
                    return ([phase.labelled("head+pool")], size)
                }
                return packedHead.parallelPhase(x, rows: n * ih * iw, into: y).map { ([$0.labelled("head")], size) }
            case blocks.count + 2:
                if pooledInScratch {
                    let count = n * ic
                    return (fcReadsScratch ? [] : [Phase(count: 1, label: "pool copy") { _ in y.update(from: scratch, count: count) }], (1, 1, ic))
                }
                return ([Phase(count: 1, label: "pool") { _ in Pooling.globalAvgPool(x, batch: n, height: ih, width: iw, channels: ic, into: y) }], (1, 1, ic))
            default:
                return Linear.fewRowsPhase(fc, x: fcReadsScratch ? scratch : x, rows: n, y: y).map { ([$0.labelled("fc")], (1, 1, classCount)) }
            }
        }
        x.data.withUnsafeBufferPointer { input in
            var i = start
            while i <= end {
                defer { i += 1 }
                // At batches of at least the core count: the stem and fused blocks image by image (`runImageChain`).
                if let last = imageChainEnd(from: i, to: end, batch: n, height: h, width: w, taps: tapSet) {
                    (h, w, c) = runImageChain(i...last, x: current, batch: n, height: h, width: w, channels: c, into: next, workspace: ws)
                    swap(&current, &next)
                    record(last)
                    i = last
                    continue
                }
                // Two or more consecutive stages that can run as phases at a batch below the core count (the stem, the
                // blocks' row segments and phases, the head, pool and fc) as one region (`PhaseChain`): stage j reads
                // what stage j − 1 wrote (the same ping-pong as below) and the blocks reuse the scratch, as a stage's
                // first unit starts only after the previous stage's last unit has finished. A chain ends at a tap.
                if InvertedResidual.chainsStages, n < PhaseChain.cores {
                    var phases: [Phase] = [], j = i
                    var (source, target, oh, ow, oc) = (current, next, h, w, c)
                    while j <= end, chunks[j - start] == n, j == i || !tapSet.contains(j - 1),
                          let (p, size) = chainable(j, j == 0 && stemMayReadInput ? UnsafeMutablePointer(mutating: input.baseAddress!) : source,
                                                    oh, ow, oc, target) {
                        phases += p
                        (oh, ow, oc) = size
                        swap(&source, &target)
                        j += 1
                    }
                    if j - i >= 2 {
                        PhaseChain(phases, fromBothEnds: InvertedResidual.chainClaimsFromBothEnds).run()
                        (current, next, h, w, c) = (source, target, oh, ow, oc)
                        record(j - 1)
                        i = j - 1
                        continue
                    }
                }
                if i == 0 && stemMayReadInput { current.update(from: input.baseAddress!, count: x.count) }   // the stem unchained
                // Convolution stages run a few images at a time so a block's expanded maps stay in
                // cache; per-sample layouts are contiguous, so a chunk is a pointer offset.
                let chunk = chunks[i - start]
                let (ih, iw, inPer) = (h, w, h * w * c)
                func chunked(_ body: (_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ k: Int) -> (Int, Int, Int)) {
                    var i0 = 0, outPer = 0
                    while i0 < n {
                        let k = min(chunk, n - i0)
                        let (oh, ow, oc) = body(current + i0 * inPer, next + i0 * outPer, k)
                        outPer = oh * ow * oc
                        i0 += k
                        if i0 >= n { (h, w, c) = (oh, ow, oc) }
                    }
                }
                switch i {
                case 0:
                    chunked { x, y, k in
                        let g = stem.forward(x, batch: k, height: ih, width: iw, into: y, workspace: ws)
                        return (g.outHeight, g.outWidth, stem.shape.outChannels)
                    }
                case 1...blocks.count:
                    let block = blocks[i - 1]
                    chunked { x, y, k in
                        let (oh, ow) = block.forward(x, batch: k, height: ih, width: iw, into: y, scratch: scratch, workspace: ws)
                        return (oh, ow, block.spec.outChannels)
                    }
                case blocks.count + 1:
                    chunked { x, y, k in
                        if !packedHead.forwardParallel(x, rows: k * ih * iw, into: y) {
                            head.forward(x, batch: k, height: ih, width: iw, into: y, workspace: ws)
                        }
                        return (ih, iw, head.shape.outChannels)
                    }
                case blocks.count + 2:
                    Pooling.globalAvgPool(current, batch: n, height: h, width: w, channels: c, into: next)
                    (h, w) = (1, 1)
                default:
                    // Up to 4 images: matrix-vector products on all cores (sgemm would pack all of fc per call).
                    Linear.forwardFewRows(fc, x: current, rows: n, y: next)
                    c = classCount
                }
                swap(&current, &next)
                record(i)
            }
        }
        return outputs
    }

    /// Per-sample output of stage `i` given its *input* size (stage 0 takes the image size).
    private func stageShape(_ i: Int, height h: Int, width w: Int) -> [Int] {
        switch i {
        case 1...blocks.count:
            let b = blocks[i - 1]
            return [b.outputSize(h), b.outputSize(w), b.spec.outChannels]
        case blocks.count + 1: return [h, w, head.shape.outChannels]
        case blocks.count + 2: return [head.shape.outChannels]
        default: return [classCount]
        }
    }
}
