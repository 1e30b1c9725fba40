import Foundation
import Dispatch
@_spi(Profile) import ThawBackbones
import ThawKernels

/// Time of one layer (a convolution, the max-pool, the global pool or fc) in a profiled ResNet forward (benchmarks only).
public struct ResNetLayerTiming: Sendable {
    public var name: String        // e.g. "stem", "maxpool", "layer3.2.conv2", "layer4.0.downsample", "layer1.0.conv3+add", "pool", "fc"
    public var seconds: Double     // median over the repeats
    public var flops: Double       // 2 · multiply-adds (0 for the pools)
    public var rows: Int           // GEMM rows: N · OH · OW
    /// With `alternate`: the median with the knob's second value (`seconds` is the first's) and the median of the
    /// per-repeat ratios first / second (runs of the two values interleaved).
    public var secondsB: Double? = nil, pairedRatio: Double? = nil
    /// With `alternate`: the process's CPU time (both cores, user + sys) per run at A and at B (medians) and the median
    /// of the per-repeat ratios A / B — steadier than wall time on a loaded machine.
    public var cpuSeconds: Double? = nil, cpuSecondsB: Double? = nil, cpuPairedRatio: Double? = nil
    /// With `alternate`: the fastest run at A and at B (wall); CPU median / fastest is how many cores the layer keeps
    /// busy when nothing else takes them (2.0 on two cores = no core waits for the other).
    public var fastestSeconds: Double? = nil, fastestSecondsB: Double? = nil
}

/// The process's CPU time (every thread, user + sys) in seconds, from the scheduler's clock (`getrusage`'s figures
/// may move in whole ticks, too coarse for a layer of a millisecond).
func schedulerCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

extension ResNet {
    /// Runs each layer of a `batch`×`size`×`size` forward on its own, as the forward runs it (`ConvTiles`,
    /// Winograd): the stem, the max-pool, every convolution (a block's last one includes its residual add +
    /// ReLU), the global pool and `fc` — `repeats` times after a warm-up, and returns the median time of each.
    /// For finding what dominates; allocates. With `alternate` (sets a knob to its first value on true, its second
    /// on false) each layer runs its repeats at both values interleaved (pairs A B, then B A, …), one warm-up each.
    /// `cold` (untimed, after every run): e.g. sweep a buffer larger than L3, so each run reads its weights from
    /// memory as a whole forward does (layers repeated on their own otherwise find them in L3).
    /// `inSequence`: the layers run one after the other as in a forward, the whole sequence `repeats` times after a
    /// warm-up, each layer timed where it runs (its weights arrive as in a forward: from memory); `cold` is then ignored
    /// and `alternate` alternates whole sequences (A B, B A, …). `residualInPlace`: each block's last convolution writes
    /// over its identity branch (as ONNX Runtime's fused Sum does) instead of into a buffer of its own.
    public func profileLayers(batch n: Int, size: Int, repeats: Int = 5, alternate: ((Bool) -> Void)? = nil,
                              cold: (() -> Void)? = nil, inSequence: Bool = false,
                              residualInPlace: Bool = false) -> [ResNetLayerTiming] {
        precondition(n > 0 && size > 0 && repeats > 0, "profileLayers: batch, size and repeats must be positive")
        var out: [ResNetLayerTiming] = []
        let ws = Workspace()
        var sequence: [(name: String, flops: Double, rows: Int, body: () -> Void)] = []
        var kept: [UnsafeMutablePointer<Float>] = []     // buffers the sequence still reads: freed after it ran
        func release(_ p: UnsafeMutablePointer<Float>) { if inSequence { kept.append(p) } else { p.deallocate() } }
        func timed(_ name: String, flops: Double, rows: Int, _ body: @escaping () -> Void) {
            if inSequence { sequence.append((name, flops, rows, body)); return }
            guard let set = alternate else {
                let seconds = medianSeconds(repeats: repeats, body, after: { ws.reset(); cold?() })
                out.append(ResNetLayerTiming(name: name, seconds: seconds, flops: flops, rows: rows))
                return
            }
            var runs: [[Double]] = [[], []], cpu: [[Double]] = [[], []]
            for i in 0..<2 * (repeats + 1) {
                // Pairs alternate A B, B A, …: the first run of a pair tends to be slower (caches, sleeping workers).
                let first = (i / 2) % 2 == 0 ? i % 2 == 0 : i % 2 == 1
                set(first)
                let t0 = DispatchTime.now().uptimeNanoseconds, c0 = schedulerCPUSeconds()
                body()
                if i >= 2 {
                    runs[first ? 0 : 1].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                    cpu[first ? 0 : 1].append(schedulerCPUSeconds() - c0)
                }
                ws.reset()
                cold?()
            }
            set(true)
            func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
            out.append(ResNetLayerTiming(name: name, seconds: median(runs[0]), flops: flops, rows: rows, secondsB: median(runs[1]),
                                         pairedRatio: median(zip(runs[0], runs[1]).map { $0 / $1 }), cpuSeconds: median(cpu[0]),
                                         cpuSecondsB: median(cpu[1]), cpuPairedRatio: median(zip(cpu[0], cpu[1]).map { $0 / $1 }),
                                         fastestSeconds: runs[0].min(), fastestSecondsB: runs[1].min()))
        }
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            p.initialize(repeating: 0.25, count: count)
            return p
        }
        func flops(_ conv: Conv2D, _ g: WindowGeometry) -> Double {
            2.0 * Double(n * g.outHeight * g.outWidth * conv.shape.outChannels * conv.shape.patchSize)
        }
        var h = size, w = size
        var x = buffer(n * h * w * 3)
        let sg = stem.shape.geometry(height: h, width: w)
        let stemOut = buffer(n * sg.outHeight * sg.outWidth * 64)
        let image = UnsafePointer(x), ih0 = h, iw0 = w
        timed("stem", flops: flops(stem, sg), rows: n * sg.outHeight * sg.outWidth) {
            self.stem.forward(image, batch: n, height: ih0, width: iw0, adding: nil, into: stemOut, workspace: ws)
        }
        let pool = WindowGeometry(inHeight: sg.outHeight, inWidth: sg.outWidth, kernel: (3, 3), stride: (2, 2),
                                  padding: .symmetric(1))
        release(x)
        x = buffer(n * pool.outHeight * pool.outWidth * 64)
        let pooled = x
        timed("maxpool", flops: 0, rows: n * pool.outPixels) {
            Pooling.maxPool(stemOut, batch: n, height: sg.outHeight, width: sg.outWidth, channels: 64, kernel: 3, stride: 2,
                            padding: .symmetric(1), into: pooled)
        }
        (h, w) = (pool.outHeight, pool.outWidth)
        release(stemOut)
        for (s, stage) in stages.enumerated() {
            for (b, block) in stage.enumerated() {
                let prefix = "layer\(s + 1).\(b)"
                // The identity branch first: the last convolution adds it (and the ReLU) in its epilogue.
                let (oh, ow) = block.outputSize(height: h, width: w)
                let identity = buffer(n * oh * ow * block.outChannels)
                if let d = block.downsample {
                    let g = d.shape.geometry(height: h, width: w)
                    let input = UnsafePointer(x), ih = h, iw = w
                    timed("\(prefix).downsample", flops: flops(d, g), rows: n * g.outHeight * g.outWidth) {
                        d.forward(input, batch: n, height: ih, width: iw, adding: nil, into: identity, workspace: ws)
                    }
                } else {
                    identity.update(from: x, count: n * h * w * block.inChannels)
                }
                var cur = UnsafePointer(x), ch = h, cw = w
                var owned: [UnsafeMutablePointer<Float>] = []
                for (i, conv) in block.convs.enumerated() {
                    let g = conv.shape.geometry(height: ch, width: cw)
                    let last = i == block.convs.count - 1
                    // `residualInPlace`: the block's last convolution writes its output over the identity branch it adds.
                    let y = last && residualInPlace ? identity : buffer(n * g.outHeight * g.outWidth * conv.shape.outChannels)
                    let input = cur, ih = ch, iw = cw
                    let skip = last ? UnsafePointer(identity) : nil
                    timed("\(prefix).conv\(i + 1)" + (skip == nil ? "" : "+add"), flops: flops(conv, g), rows: n * g.outHeight * g.outWidth) {
                        conv.forward(input, batch: n, height: ih, width: iw, adding: skip, then: .relu, into: y, workspace: ws)
                    }
                    owned.append(y)
                    cur = UnsafePointer(y); ch = g.outHeight; cw = g.outWidth
                }
                let y = owned.last!
                if !residualInPlace { release(identity) }
                for p in owned.dropLast() { release(p) }
                release(x)
                x = y; (h, w) = (ch, cw)
            }
        }
        // The head: global average pool, then fc (when the network has one).
        let c = features, vector = buffer(n * c)
        let map = UnsafePointer(x), mh = h, mw = w
        timed("pool", flops: 0, rows: n) {
            Pooling.globalAvgPool(map, batch: n, height: mh, width: mw, channels: c, into: vector)
        }
        if let fc {
            let logits = buffer(n * fc.outFeatures)
            timed("fc", flops: 2.0 * Double(n * fc.outFeatures * c), rows: n) {
                Linear.forwardFewRows(fc, x: vector, rows: n, y: logits)
            }
            release(logits)
        }
        if inSequence, let set = alternate {
            // Whole sequences at A and at B interleaved (pairs A B, B A, …) after one warm-up each; per layer wall and
            // CPU medians and per-pair ratios, as for layers on their own.
            var runs = [[[Double]]](repeating: [[], []], count: sequence.count), cpu = runs
            for round in 0..<2 * (repeats + 1) {
                let first = (round / 2) % 2 == 0 ? round % 2 == 0 : round % 2 == 1
                set(first)
                for (i, layer) in sequence.enumerated() {
                    let t0 = DispatchTime.now().uptimeNanoseconds, c0 = schedulerCPUSeconds()
                    layer.body()
                    if round >= 2 {
                        runs[i][first ? 0 : 1].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                        cpu[i][first ? 0 : 1].append(schedulerCPUSeconds() - c0)
                    }
                }
                ws.reset()
            }
            set(true)
            func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
            for (i, layer) in sequence.enumerated() {
                let a = runs[i][0], b = runs[i][1], ca = cpu[i][0], cb = cpu[i][1]
                out.append(ResNetLayerTiming(name: layer.name, seconds: median(a), flops: layer.flops, rows: layer.rows,
                                             secondsB: median(b), pairedRatio: median(zip(a, b).map { $0 / $1 }),
                                             cpuSeconds: median(ca), cpuSecondsB: median(cb),
                                             cpuPairedRatio: median(zip(ca, cb).map { $0 / $1 }),
                                             fastestSeconds: a.min(), fastestSecondsB: b.min()))
            }
        } else if inSequence {
            // The layers in forward order, the whole sequence `repeats` times after a warm-up.
            var runs = [[Double]](repeating: [], count: sequence.count)
            for round in 0...repeats {
                for (i, layer) in sequence.enumerated() {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    layer.body()
                    if round > 0 { runs[i].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
                }
                ws.reset()
            }
            for (i, layer) in sequence.enumerated() {
                let sorted = runs[i].sorted()
                out.append(ResNetLayerTiming(name: layer.name, seconds: sorted[sorted.count / 2], flops: layer.flops, rows: layer.rows))
            }
        }
        release(vector)
        release(x)
        for p in kept { p.deallocate() }
        return out
    }
}
