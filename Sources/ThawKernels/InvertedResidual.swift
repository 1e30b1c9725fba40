import Dispatch
import Foundation
import ThawBLAS

/// How `InvertedResidual.forward` splits one block: bands of depthwise output rows, contiguous
/// segments of each image's rows (one worker runs a segment band after band), and the scratch.
public struct InvertedResidualPlan: Equatable, Sendable {
    public var bandRows: Int          // depthwise output rows per band
    public var segmentsPerImage: Int  // > 1 only at batches below the core count
    public var workers: Int           // threads, each with its own scratch
    public var expandedRows: Int      // input rows of expanded maps one band needs (0 without expand)
    public var expandedCapacity: Int  // rows the worker's expanded buffer holds: expandedRows + slack (`keptRowSlack`)
    public var workerFloats: Int      // expanded capacity + the depthwise band [bandRows, OW, mid]
    public var scratchFloats: Int { workers * workerFloats }
}

/// An inverted-residual block — [1×1 expand + act] → k×k depthwise + act → 1×1 project + act (+ skip)
/// — run band by band so the expanded maps never leave the cache: per band of depthwise output
/// rows, the expand GEMM writes only the input rows the band needs (rows the previous band already
/// expanded are kept, not recomputed), its epilogue runs on them at once, the depthwise reads them,
/// and the project GEMM reads the depthwise band. The unfused path writes and re-reads the whole
/// expanded map (4.8 MB at 112×112×96): at 112×112 its K = 16 expand GEMM ran at ≈5 GFLOP/s.
/// Workers (one per core, single-threaded OpenBLAS) take whole images, or at batches below the core
/// count contiguous row segments of one image (each segment recomputes the k − s halo rows above it).
/// Results equal the unfused layers' to float rounding (each output is the same dot products).
public enum InvertedResidual {
    /// Off: blocks run layer by layer (benchmarks compare both).
    nonisolated(unsafe) public static var enabled = true
    /// Floats of expanded rows one band may hold: 64 Ki (256 KiB) stays in a 1 MiB L2 beside the
    /// depthwise band and OpenBLAS's packed panels.
    nonisolated(unsafe) public static var bandFloats = 1 << 16
    /// Room for `expandedRows` more rows in each worker's expanded buffer, so the rows one band keeps for the
    /// next (the k − s halo) move to the buffer's front only when it is full, not after every band: with bands of
    /// 2 rows under a 5×5 window (Lite0's blocks 9–10) each band moved twice the rows it expanded, ≈2% of an
    /// extraction's CPU in memmove. Off by default: on a loaded machine (load 5–8) the in-process alternation
    /// (`thaw-backbones-bench --alternate-kept-rows 25`) did not separate it from the noise (medians without/with
    /// 0.79–1.06), and the doubled buffer (e.g. 430 KB instead of 215 KB at 112×112) may leave a 512 KB L2.
    nonisolated(unsafe) public static var keptRowSlack = false
    /// At batch 1, row segments in a multiple of the cores (fewer segments, never more halo rows); off: as many
    /// as the halo allows up to 2 per core (benchmarks compare both: `--alternate-even-segments`).
    nonisolated(unsafe) public static var evenSegments = true
    /// Row segments recompute at most 1/`segmentHaloShare` of the expanded rows (the halo rows above each segment);
    /// blocks that cannot split so run in phases (channel slabs, then the project by rows). 2, not 8: on two cores the
    /// slabs cost more than the halo rows — each slab's expand reads the whole input, half of it from the other
    /// core's cache, and the project reads every channel of its rows, half written by the other core — so the
    /// 28×28 and 14×14 blocks at stride 1 run as two or four row segments (MobileNetV2 b1 1.14–1.23×, Lite0 b1 1.08× in
    /// process, in the host's phases where moving maps between the cores is slow; 0.975–0.99 where it is fast, and on
    /// one core the halo rows cost 2–3%). 1 (7×7 maps too) measured 0.95 of 2.
    nonisolated(unsafe) public static var segmentHaloShare = 2

    /// The plan for x [n, h, w, in], or nil when the block should run layer by layer: fusion off,
    /// a non-1×1 or grouped expand/project, dilation, or a batch too small to share over the cores
    /// without recomputing more than 1/8 of the expanded rows. `cores` nil: this machine's.
    public static func plan(expand: Conv2D?, depthwise: DepthwiseConv2D, project: Conv2D,
                            batch n: Int, height h: Int, width w: Int, cores: Int? = nil) -> InvertedResidualPlan? {
        let cores = cores ?? ParallelRows.cores
        guard enabled, n > 0 else { return nil }
        for conv in [expand, project].compactMap({ $0 }) where !(conv.shape.isPointwise && conv.shape.groups == 1) { return nil }
        let g = depthwise.geometry(height: h, width: w)
        guard g.dilationH == 1, g.dilationW == 1 else { return nil }
        let mid = depthwise.channels, s = g.strideH, halo = max(0, g.kernelH - s)
        let segments: Int
        if n >= cores {
            segments = 1
        } else {
            var parts = min(2 * cores, g.outHeight, g.outHeight * s / max(1, segmentHaloShare * halo))
            // One image: a multiple of the cores, so no core is left with a segment more than the other
            // (3 segments on 2 cores — Lite0's blocks 2 and 5 — ran at two thirds of the split's speed).
            if n == 1, evenSegments, parts > cores { parts -= parts % cores }
            // Balanced segments: one per core on maps of fewer than 2 output rows per segment (MobileNetV2's 14×14 →
            // 7×7 block: 4 segments expand 17 of 14 input rows, 2 balanced ones 15 and the larger takes 8 rows + 4 out).
            if balancedSegments, parts > cores, g.outHeight < 2 * parts { parts = cores }
            segments = parts
            guard segments * n >= cores else { return nil }
        }
        let rowFloats = w * mid
        let bandRows = max(1, min(g.outHeight, (bandFloats / rowFloats - halo) / s))
        let expandedRows = expand == nil ? 0 : min(h, bandRows * s + halo)
        let capacity = keptRowSlack ? min(h, 2 * expandedRows) : expandedRows
        return InvertedResidualPlan(bandRows: bandRows, segmentsPerImage: segments, workers: min(cores, n * segments),
                                    expandedRows: expandedRows, expandedCapacity: capacity,
                                    workerFloats: capacity * rowFloats + bandRows * g.outWidth * mid)
    }

    /// y [n, OH, OW, out] = block(x [n, h, w, in]) by `plan` (from `plan(...)` with the same sizes);
    /// `scratch` holds `plan.scratchFloats`; y overlaps neither. `skip`: y += x (stride 1, in == out).
    /// `packed`: the same expand/project packed at load (`PackedPointwise`); used when `PackedPointwise.enabled`.
    public static func forward(_ plan: InvertedResidualPlan, expand: Conv2D?, depthwise: DepthwiseConv2D, project: Conv2D,
                               packed: (expand: PackedPointwise?, project: PackedPointwise)? = nil,
                               skip: Bool, x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                               into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let g = depthwise.geometry(height: h, width: w)
        let mid = depthwise.channels, cin = expand?.shape.inChannels ?? mid, cout = project.shape.outChannels
        precondition(!skip || (g.strideH == 1 && g.strideW == 1 && cin == cout), "InvertedResidual: a skip needs stride 1 and in == out")
        let segments = plan.segmentsPerImage, units = n * segments
        let (expandWork, rowWork) = segmentWork(expand: expand != nil, depthwise: depthwise, geometry: g, inChannels: cin, outChannels: cout)
        let counter = WorkCounter()
        let usePacked = PackedPointwise.enabled ? packed : nil
        withOptionalPointer(expand?.weight) { ew in
            withOptionalPointer(expand?.bias) { eb in
                withOptionalPointer(project.weight) { pw in
                    withOptionalPointer(project.bias) { pb in
                        BLAS.singleThreaded {
                            // Below the core count (row segments of one image: short regions) through `WorkerTeam` (off by default).
                            let region: (Int, (Int) -> Void) -> Void = n < ParallelRows.cores
                                ? { WorkerTeam.run(iterations: $0, $1) } : { DispatchQueue.concurrentPerform(iterations: $0, execute: $1) }
                            region(plan.workers) { t in
                                let e = scratch + t * plan.workerFloats
                                let d = e + plan.expandedCapacity * w * mid
                                while let u = counter.next(below: units) {
                                    let image = u / segments, seg = u % segments
                                    let band = Band(g: g, mid: mid, cin: cin, cout: cout, rows: plan.bandRows, capacity: plan.expandedCapacity,
                                                    x: x + image * h * w * cin, y: y + image * g.outPixels * cout, e: e, d: d)
                                    band.run(outRows: segmentRows(seg, of: segments, workers: plan.workers, geometry: g, expandWork: expandWork, rowWork: rowWork),
                                             expand: expand.map { ($0, ew!, eb) }, depthwise: depthwise,
                                             project: (project, pw!, pb), packed: usePacked, skip: skip)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension InvertedResidual {
    /// `forward`'s work at a batch below the core count as one phase of row segments (for a caller that chains it with
    /// other blocks' phases: `PhaseChain` on this machine's cores), or nil when `forward` would call BLAS (the packed
    /// kernels off) or the batch reaches the core count. Each unit runs one segment on its worker's scratch, as
    /// `forward`'s workers do: the same floats.
    public static func bandPhase(_ plan: InvertedResidualPlan, expand: Conv2D?, depthwise: DepthwiseConv2D, project: Conv2D,
                                 packed: (expand: PackedPointwise?, project: PackedPointwise), skip: Bool,
                                 x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int,
                                 into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) -> Phase? {
        guard n < ParallelRows.cores, plan.workers >= ParallelRows.cores, PackedPointwise.enabled, VectorISA.packedKernels,
              (expand == nil) == (packed.expand == nil) else { return nil }
        let g = depthwise.geometry(height: h, width: w)
        let mid = depthwise.channels, cin = expand?.shape.inChannels ?? mid, cout = project.shape.outChannels
        precondition(!skip || (g.strideH == 1 && g.strideW == 1 && cin == cout), "InvertedResidual: a skip needs stride 1 and in == out")
        let segments = plan.segmentsPerImage
        let (expandWork, rowWork) = segmentWork(expand: expand != nil, depthwise: depthwise, geometry: g, inChannels: cin, outChannels: cout)
        return Phase(count: n * segments, label: "fused row segments", perWorker: { u, t in
            let e = scratch + t * plan.workerFloats
            let d = e + plan.expandedCapacity * w * mid
            let image = u / segments, seg = u % segments
            let band = Band(g: g, mid: mid, cin: cin, cout: cout, rows: plan.bandRows, capacity: plan.expandedCapacity,
                            x: x + image * h * w * cin, y: y + image * g.outPixels * cout, e: e, d: d)
            // The packed kernels only (checked above): the BLAS weights' pointers are never read.
            withOptionalPointer(expand?.weight) { ew in
                withOptionalPointer(project.weight) { pw in
                    band.run(outRows: segmentRows(seg, of: segments, workers: plan.workers, geometry: g, expandWork: expandWork, rowWork: rowWork),
                             expand: expand.map { ($0, ew!, nil) }, depthwise: depthwise,
                             project: (project, pw!, nil), packed: packed, skip: skip)
                }
            }
        })
    }
}

/// body(pointer to the array's floats), or body(nil) without an array.
func withOptionalPointer<R>(_ a: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let a else { return body(nil) }
    return a.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// One worker's pass over a segment of one image's output rows.
struct Band {
    let g: WindowGeometry
    let mid: Int, cin: Int, cout: Int, rows: Int
    let capacity: Int                        // rows e holds
    let x: UnsafePointer<Float>              // this image [h, w, in]
    let y: UnsafeMutablePointer<Float>       // this image [OH, OW, out]
    let e: UnsafeMutablePointer<Float>       // expanded rows [capacity, w, mid]; input row iy at e + (iy − base)·w·mid
    let d: UnsafeMutablePointer<Float>       // depthwise band [rows, OW, mid]

    func run(outRows: Range<Int>, expand: (Conv2D, UnsafePointer<Float>, UnsafePointer<Float>?)?, depthwise: DepthwiseConv2D,
             project: (Conv2D, UnsafePointer<Float>, UnsafePointer<Float>?),
             packed: (expand: PackedPointwise?, project: PackedPointwise)?, skip: Bool) {
        let w = g.inWidth, rowFloats = w * mid, s = g.strideH, ow = g.outWidth
        var eHi = 0, base = 0                      // input rows held in e: [needLo of the last band, eHi), from row `base` on
        var b0 = outRows.lowerBound
        while b0 < outRows.upperBound {
            let b1 = min(outRows.upperBound, b0 + rows)
            let source: UnsafePointer<Float>       // the depthwise input; row iy at source + iy·w·mid
            if let expand {
                let (conv, weight, bias) = expand
                let needLo = max(0, b0 * s - g.pad.top), needHi = min(g.inHeight, (b1 - 1) * s - g.pad.top + g.kernelH)
                if needLo < eHi {                  // keep the rows the previous band expanded
                    if needHi - base > capacity {  // full: the kept rows move to the front
                        memmove(e, e + (needLo - base) * rowFloats, (eHi - needLo) * rowFloats * 4)
                        base = needLo
                    }
                } else {
                    eHi = needLo
                    base = needLo
                }
                if needHi > eHi {
                    let out = e + (eHi - base) * rowFloats, m = (needHi - eHi) * w
                    if let pe = packed?.expand {
                        pe.forward(x + eHi * w * cin, rows: m, into: out)
                    } else {
                        BLAS.sgemm(m: m, n: mid, k: cin, a: x + eHi * w * cin, lda: cin, b: weight, ldb: mid, c: out, ldc: mid)
                        biasActivation(out, rows: m, channels: mid, ldy: mid, bias: bias, activation: conv.activation)
                    }
                    eHi = needHi
                }
                source = UnsafePointer(e - base * rowFloats)
            } else {
                source = x
            }
            depthwise.forwardRows(source, geometry: g, rows: b0..<b1, into: d)
            let (conv, weight, bias) = project
            let out = y + b0 * ow * cout, m = (b1 - b0) * ow
            if let pp = packed?.project {
                pp.forward(d, rows: m, residual: skip ? x + b0 * w * cin : nil, into: out)
                b0 = b1
                continue
            }
            BLAS.sgemm(m: m, n: cout, k: mid, a: d, lda: mid, b: weight, ldb: cout, c: out, ldc: cout)
            biasActivation(out, rows: m, channels: cout, ldy: cout, bias: bias, activation: conv.activation)
            if skip { residualAddSerial(x + b0 * w * cin, into: out, count: m * cout) }
            b0 = b1
        }
    }
}
