import ThawKernels

extension EfficientNetLite {
    /// Runs the stages after `from` (or from the raw NHWC image batch) up to the last tap.
    ///
    /// Stage i is cut point i: 0 stem, 1…N blocks, N+1 head, N+2 pool, N+3 fc. Activations
    /// ping-pong between two workspace buffers sized for the largest map of this call; the
    /// block scratch (expanded + depthwise maps) is a third. Only the taps are copied out.
    public func forward(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations] {
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
        do {
            var ph = h, pw = w
            for i in start...end {
                if (1...blocks.count).contains(i) {
                    maxScratch = max(maxScratch, blocks[i - 1].scratchCount(batch: n, height: ph, width: pw))
                }
                let shape = i == 0 ? stageOutputShape(0, height: ph, width: pw) : stageShape(i, height: ph, width: pw)
                if shape.count == 3 { ph = shape[0]; pw = shape[1] }
                maxActivation = max(maxActivation, n * shape.reduce(1, *))
            }
        }

        lock.lock()
        defer { lock.unlock() }
        let ws = workspace
        defer { ws.reset() }                         // after the first call the arena holds the high-water mark
        var current = ws.take(maxActivation)         // [N, H, W, C] (or [N, C]) entering stage i
        var next = ws.take(maxActivation)            // its output
        let scratch = ws.take(maxScratch)            // block: [N, H, W, mid] + [N, OH, OW, mid]
        x.data.withUnsafeBufferPointer { current.update(from: $0.baseAddress!, count: x.count) }

        var c = wantChannels
        var outputs: [String: Activations] = [:]
        let tapSet = Set(tapIndices)
        for i in start...end {
            switch i {
            case 0:
                let g = stem.forward(current, batch: n, height: h, width: w, into: next, workspace: ws)
                (h, w, c) = (g.outHeight, g.outWidth, EfficientNetLiteSpec.stemChannels)
            case 1...blocks.count:
                let block = blocks[i - 1]
                (h, w) = block.forward(current, batch: n, height: h, width: w, into: next, scratch: scratch, workspace: ws)
                c = block.spec.outChannels
            case blocks.count + 1:
                head.forward(current, batch: n, height: h, width: w, into: next, workspace: ws)
                c = EfficientNetLiteSpec.headChannels
            case blocks.count + 2:
                Pooling.globalAvgPool(current, batch: n, height: h, width: w, channels: c, into: next)
                (h, w) = (1, 1)
            default:
                Linear.forward(fc, x: current, rows: n, y: next)
                c = classCount
            }
            swap(&current, &next)
            if tapSet.contains(i) {
                let flat = i >= blocks.count + 2
                let shape = flat ? [n, c] : [n, h, w, c]
                let count = shape.reduce(1, *)
                outputs[cutPoints[i].name] = Activations(tensor: Tensor(shape: shape,
                    data: Array(UnsafeBufferPointer(start: current, count: count))))
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
        case blocks.count + 1: return [h, w, EfficientNetLiteSpec.headChannels]
        case blocks.count + 2: return [EfficientNetLiteSpec.headChannels]
        default: return [classCount]
        }
    }
}
