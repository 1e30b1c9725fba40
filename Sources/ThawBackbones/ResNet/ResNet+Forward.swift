import ThawKernels

extension ResNet {
    /// Channels at the output of cut `index` (-1 = the RGB input).
    func channels(atCut index: Int) -> Int {
        switch index {
        case -1: return 3
        case 0: return 64
        case 1...4: return stages[index - 1].last!.outChannels
        case 5: return features
        default: return fc!.outFeatures
        }
    }

    /// Full shapes ([N, H, W, C] or [N, C]) at cuts `from + 1 … last`, for `input` at cut `from`.
    func shapes(from: Int, input: [Int], through last: Int) -> [Int: [Int]] {
        var out: [Int: [Int]] = [:]
        var s = input
        for i in (from + 1)...max(from + 1, last) where i <= last {
            switch i {
            case 0:
                let g = stem.shape.geometry(height: s[1], width: s[2])
                let p = WindowGeometry(inHeight: g.outHeight, inWidth: g.outWidth, kernel: (3, 3), stride: (2, 2),
                                       padding: .symmetric(1))
                s = [s[0], p.outHeight, p.outWidth, 64]
            case 1...4:
                for block in stages[i - 1] {
                    let (h, w) = block.outputSize(height: s[1], width: s[2])
                    s = [s[0], h, w, block.outChannels]
                }
            case 5: s = [s[0], features]
            default: s = [s[0], fc!.outFeatures]
            }
            out[i] = s
        }
        return out
    }

    public func outputShape(at cut: String, inputShape: [Int]) throws -> [Int] {
        let index = try cutIndex(cut)
        guard inputShape.count == 3, inputShape[2] == 3, inputShape[0] > 0, inputShape[1] > 0 else {
            throw BackboneError("\(name): input shape must be [H, W, 3], got \(inputShape)")
        }
        return Array(shapes(from: -1, input: [1] + inputShape, through: index)[index]!.dropFirst())
    }

    /// Throws unless `x` fits cut `start` (-1 = the RGB input): [N, H, W, C] before `pool`, [N, C] after.
    func checkInput(_ x: Tensor, start: Int, from: String?) throws {
        let spatial = start < 5
        guard x.rank == (spatial ? 4 : 2), x.shape.last == channels(atCut: start), x.shape.allSatisfy({ $0 > 0 }) else {
            throw BackboneError("\(name): input at '\(from ?? "input")' must be \(spatial ? "[N, H, W, " : "[N, ")\(channels(atCut: start))], got \(x.shape)")
        }
    }

    /// The forward of all `input`'s samples in one pass over the layers (`forward` calls it per chunk of images).
    func forwardWhole(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations] {
        let (start, tapIndex, deepest) = try forwardRange(from: from, taps: taps)
        guard let last = deepest else { return [:] }
        let x = input.tensor
        try checkInput(x, start: start, from: from)
        let shapes = shapes(from: start, input: x.shape, through: last)
        buffers.reserve(max(x.count, shapes.values.map { $0.reduce(1, *) }.max()!))
        var cur = buffers.a, other = buffers.b
        x.data.withUnsafeBufferPointer { cur.update(from: $0.baseAddress!, count: x.count) }
        var s = x.shape
        var out: [String: Activations] = [:]
        for i in (start + 1)...last {
            let n = s[0]
            switch i {
            case 0:
                let g = stem.shape.geometry(height: s[1], width: s[2])
                let t = workspace.take(n * g.outHeight * g.outWidth * 64)    // [N, H/2, W/2, 64]
                stem.forward(cur, batch: n, height: s[1], width: s[2], adding: nil, into: t, workspace: workspace)
                Pooling.maxPool(t, batch: n, height: g.outHeight, width: g.outWidth, channels: 64,
                                kernel: 3, stride: 2, padding: .symmetric(1), into: other)
                workspace.reset()
                swap(&cur, &other)
            case 1...4:
                var h = s[1], w = s[2]
                for block in stages[i - 1] {
                    // The output lands in `other`, or over `cur` (`ResNetBlock.residualInPlace`): the buffers are ours.
                    let out = block.forward(overwriting: cur, batch: n, height: h, width: w, into: other, workspace: workspace)
                    workspace.reset()
                    (h, w) = block.outputSize(height: h, width: w)
                    if out == other { swap(&cur, &other) }
                }
            case 5:
                Pooling.globalAvgPool(cur, batch: n, height: s[1], width: s[2], channels: s[3], into: other)
                swap(&cur, &other)
            default:
                Linear.forwardFewRows(fc!, x: cur, rows: n, y: other)     // sgemv parts over the cores at batch ≤ 4
                swap(&cur, &other)
            }
            s = shapes[i]!
            if tapIndex.contains(i) {
                out[cutPoints[i].name] = Activations(tensor: Tensor(shape: s, data: Array(UnsafeBufferPointer(start: cur, count: s.reduce(1, *)))))
            }
        }
        return out
    }
}
