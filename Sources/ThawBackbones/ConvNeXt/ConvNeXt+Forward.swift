import ThawKernels

extension ConvNeXt {
    /// Channels at the output of cut `index` (−1 = the RGB input).
    func channels(atCut index: Int) -> Int {
        switch index {
        case -1: return 3
        case 0: return widths[0]
        case 1...4: return widths[index - 1]
        case 5: return widths[3]
        default: return fc!.outFeatures
        }
    }

    /// Full shapes ([N, H, W, C] or [N, C]) at cuts `from + 1 … last`, for `input` at cut `from`.
    func shapes(from: Int, input: [Int], through last: Int) -> [Int: [Int]] {
        var out: [Int: [Int]] = [:], s = input
        guard last > from else { return out }
        for i in (from + 1)...last {
            switch i {
            case 0: s = [s[0], s[1] / 4, s[2] / 4, widths[0]]
            case 1...4: s = i == 1 ? s : [s[0], s[1] / 2, s[2] / 2, widths[i - 1]]
            case 5: s = [s[0], widths[3]]
            default: s = [s[0], fc!.outFeatures]
            }
            out[i] = s
        }
        return out
    }

    public func outputShape(at cut: String, inputShape: [Int]) throws -> [Int] {
        let index = try cutIndex(cut)
        guard inputShape.count == 3, inputShape[2] == 3, inputShape[0] >= 32, inputShape[1] >= 32 else {
            throw BackboneError("\(name): input shape must be [H, W, 3] with H, W ≥ 32 (four downsamplings to 1×1), got \(inputShape)")
        }
        return Array(shapes(from: -1, input: [1] + inputShape, through: index)[index]!.dropFirst())
    }

    public func forward(_ input: Activations, from: String?, taps: [String]) throws -> [String: Activations] {
        let (start, tapIndex, deepest) = try forwardRange(from: from, taps: taps)
        guard let last = deepest else { return [:] }
        let x = input.tensor
        let spatial = start < 5
        // Each stage needs at least a 1×1 map: 32 px for the input (4 · 2³), fewer further in.
        let minSide = start == -1 ? 32 : 1 << max(0, 3 - start)
        guard x.rank == (spatial ? 4 : 2), x.shape.last == channels(atCut: start), x.shape[0] > 0,
              !spatial || (x.shape[1] >= minSide && x.shape[2] >= minSide) else {
            throw BackboneError("\(name): input at '\(from ?? "input")' must be \(spatial ? "[N, H ≥ \(minSide), W ≥ \(minSide), " : "[N, ")\(channels(atCut: start))], got \(x.shape)")
        }
        let shapes = shapes(from: start, input: x.shape, through: last)
        buffers.reserve(max(x.count, shapes.values.map { $0.reduce(1, *) }.max() ?? 0))
        var cur = buffers.a, other = buffers.b
        x.data.withUnsafeBufferPointer { cur.update(from: $0.baseAddress!, count: x.count) }
        var s = x.shape
        var out: [String: Activations] = [:]
        let eps = Self.eps
        for i in (start + 1)...last {
            let n = s[0]
            switch i {
            case 0:
                let o = shapes[0]!, rows = n * o[1] * o[2]
                let t = workspace.take(rows * o[3])                               // [N, H/4, W/4, C₀]
                stem.forward(cur, batch: n, height: s[1], width: s[2], into: t, workspace: workspace)
                LayerNorm.forward(x: t, rows: rows, channels: o[3], gamma: stemNorm.gamma, beta: stemNorm.beta, eps: eps, y: other)
                workspace.reset()
                swap(&cur, &other)
            case 1...4:
                let stage = stages[i - 1]
                var h = s[1], w = s[2]
                if let down = stage.downsample {
                    let t = workspace.take(n * h * w * s[3])                      // LN(x) [N, H, W, C_in]
                    LayerNorm.forward(x: cur, rows: n * h * w, channels: s[3], gamma: down.norm.gamma, beta: down.norm.beta, eps: eps, y: t)
                    down.conv.forward(t, batch: n, height: h, width: w, into: other, workspace: workspace)
                    workspace.reset()
                    swap(&cur, &other)
                    h /= 2; w /= 2
                }
                let c = stage.channels, rows = n * h * w
                for block in stage.blocks {
                    let t = workspace.take(rows * c)                              // [N, H, W, C]
                    let f = workspace.take(rows * block.fc1.outFeatures)          // [N, H, W, 4C]
                    block.depthwise.forward(cur, batch: n, height: h, width: w, into: t)
                    LayerNorm.forward(x: t, rows: rows, channels: c, gamma: block.norm.gamma, beta: block.norm.beta, eps: eps, y: t)
                    Linear.forward(block.fc1, x: t, rows: rows, y: f)
                    GELU.forward(x: f, count: rows * block.fc1.outFeatures, y: f)
                    Linear.forward(block.fc2, x: f, rows: rows, y: cur, accumulate: true)   // the residual
                    workspace.reset()
                }
            case 5:
                Pooling.globalAvgPool(cur, batch: n, height: s[1], width: s[2], channels: s[3], into: other)
                LayerNorm.forward(x: other, rows: n, channels: s[3], gamma: headNorm.gamma, beta: headNorm.beta, eps: eps, y: other)
                swap(&cur, &other)
            default:
                Linear.forward(fc!, x: cur, rows: n, y: other)
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
