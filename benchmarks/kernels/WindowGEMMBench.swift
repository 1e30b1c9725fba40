import Foundation
import ThawKernelsAVX2

/// `thaw-kernels-bench window [rounds] [variants]`: the AVX2 window kernel (`AVX2Kernels.windowPanelGEMM`, one thread)
/// on one ConvTiles tile of the stem, of each ResNet-50 batch-1 convolution that takes quarter blocks and of the
/// batch-32 tiles over 256 rows (the rows and panels ConvTiles gives one tile), variants alternating in one process.
/// `variants` lists `blockFloats[:flags]` (default `0,8192,8192:p,4096:p`: one pass, quarter groups of whole runs, then
/// with `p` runs cut into pieces and tiles over 256 rows in slabs — `windowRunPieces`, `windowRowSlabs` — within 8192
/// and 4096 floats; with `s` the blocks read contiguous weight strips, `windowStrips`, e.g. `8192:p,8192:ps`; with `h`
/// too the strips of the whole weight made once, outside the timing, and passed as `strips:` — a layer's shared strips;
/// with `l` the leftover rows read the strips, `windowStripLeftovers`);
/// the first is the reference every other must equal bit for bit. Times are the calling thread's CPU seconds, the
/// median of each round's median; ratios against the first per round, then their median.
struct WindowVariant {
    let blockFloats: Int, pieces: Bool, strips: Bool, shared: Bool, stripLeftovers: Bool, inOrder: Bool
    var name: String {
        let flags = (pieces ? "p" : "") + (strips ? "s" : "") + (shared ? "h" : "") + (stripLeftovers ? "l" : "") + (inOrder ? "o" : "")
        return "\(blockFloats)" + (flags.isEmpty ? "" : ":" + flags)
    }
}

func benchWindowGEMM(rounds: Int, variants: [WindowVariant]) {
    // (name, rows, panels, map side (padded), Cin, kernel, stride)
    let shapes = [("stem 7x7/2", 1568, 1, 230, 3, 7, 2), ("layer2.0.conv2 3x3/2", 98, 2, 58, 128, 3, 2),
                  ("layer3.0.conv2 3x3/2", 98, 1, 30, 256, 3, 2), ("layer4.x.conv2 3x3/1", 49, 1, 9, 512, 3, 1),
                  ("layer4.0.downsample 1x1/2", 49, 4, 14, 1024, 1, 2), ("b32 layer2.0.conv2 3x3/2", 784, 2, 58, 128, 3, 2),
                  ("b32 layer4.0.downsample 1x1/2", 392, 4, 14, 1024, 1, 2), ("unchunked layer3.0.conv2", 784, 4, 30, 256, 3, 2)]
    print("# window kernel, one thread, \(rounds) rounds alternating; GFLOP per CPU-second; variants quarter-block floats[:p run pieces and row slabs][s weight strips]")
    print("# load \((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?")")
    for (name, rows, panels, side, cin, kernel, stride) in shapes {
        let k = kernel * kernel * cin, n = panels * 64
        let map = filled(side * side * cin, 21), packed = filled(k * n, 22), bias = filled(n, 23)
        let outSide = (side - kernel) / stride + 1
        let offsets = (0..<rows).map { r -> Int32 in
            let (oh, ow) = ((r / outSide) % outSide, r % outSide)
            return Int32((oh * stride * side + ow * stride) * cin)
        }
        var c = [Float](repeating: 0, count: rows * n), reference = [Float]()
        var shared = [Float](repeating: 0, count: k * n)
        packed.withUnsafeBufferPointer { pb in shared.withUnsafeMutableBufferPointer { sb in
            AVX2Kernels.windowStripsOf(packed: pb.baseAddress!, k: k, panels: 0..<panels, into: sb.baseAddress!)
        } }
        let flops = 2.0 * Double(rows) * Double(n) * Double(k)
        let calls = max(1, Int(1e8 / flops))
        func cpuNow() -> Double {
            var ts = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        }
        func run(_ blockFloats: Int, shared useShared: Bool) {
            shared.withUnsafeBufferPointer { shb in
            map.withUnsafeBufferPointer { mb in packed.withUnsafeBufferPointer { pb in bias.withUnsafeBufferPointer { bb in
                offsets.withUnsafeBufferPointer { ob in c.withUnsafeMutableBufferPointer { cb in
                    AVX2Kernels.windowPanelGEMM(rows: rows, rowOffsets: ob.baseAddress!, a: mb.baseAddress!, segments: kernel,
                                                segmentK: kernel * cin, segmentStride: side * cin, packed: pb.baseAddress!,
                                                panels: 0..<panels, c: cb.baseAddress!, ldc: n, bias: bb.baseAddress!,
                                                residual: nil, ldr: 0, low: 0, high: .infinity, quarterBlockFloats: blockFloats,
                                                quarterBlockRows: 256, strips: useShared ? shb.baseAddress! : nil)
                } } } } }
            }
        }
        func timed(_ v: WindowVariant) -> Double {
            (AVX2Kernels.windowRunPieces, AVX2Kernels.windowRowSlabs) = (v.pieces, v.pieces)
            AVX2Kernels.windowStrips = v.strips
            AVX2Kernels.windowStripLeftovers = v.stripLeftovers
            AVX2Kernels.windowStripsInOrder = v.inOrder
            run(v.blockFloats, shared: v.shared)
            var runs: [Double] = []
            for _ in 0..<5 {
                let t0 = cpuNow()
                for _ in 0..<calls { run(v.blockFloats, shared: v.shared) }
                runs.append((cpuNow() - t0) / Double(calls))
            }
            return runs.sorted()[2]
        }
        var times = [[Double]](repeating: [], count: variants.count)
        for _ in 0..<rounds {
            for (i, v) in variants.enumerated() {
                times[i].append(timed(v))
                if i == 0 { reference = c } else if c != reference { print("!! variant \(v.name) differs from \(variants[0].name)") }
            }
        }
        (AVX2Kernels.windowRunPieces, AVX2Kernels.windowRowSlabs, AVX2Kernels.windowStrips) = (true, true, true)
        AVX2Kernels.windowStripLeftovers = true
        func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
        var line = String(format: "%-27@ %3d rows x K %4d x %4d", name as NSString, rows, k, n)
        for (i, v) in variants.enumerated() {
            let vsFirst = median(zip(times[0], times[i]).map { $0 / $1 })
            line += String(format: "  %@ %6.1f (%.3f×first)", v.name as NSString, flops / median(times[i]) / 1e9, vsFirst)
        }
        print(line)
    }
}
