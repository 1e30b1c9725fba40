/// Where a fused block's row segments begin and end. Equal shares of the output rows (the default) give the first
/// segment no halo above it and the last none below, and at stride 2 the first segment needs one expanded row less
/// per output row than the others: MobileNetV2's 14×14 → 7×7 block (7 output rows in 4 segments of 1, 2, 2, 2) gave
/// one core 10 expanded rows and 4 output rows, the other 7 and 3. Balanced segments move the boundaries so that no
/// segment costs more than it must (expanded rows × the expand's work per row + output rows × the depthwise's and the
/// project's), and maps of fewer than 2 output rows per segment take one segment per core (`plan`). Each output row is
/// the same dot products wherever a boundary falls: the same floats.
extension InvertedResidual {
    /// Segment boundaries chosen by cost (`segmentRows`); off: equal shares of the output rows. Benchmarks compare both
    /// (`--alternate balanced-segments=0,1`).
    nonisolated(unsafe) public static var balancedSegments = false

    /// Output rows of segment `seg` of `segments` (disjoint, in order, covering 0..<g.outHeight, none empty when
    /// segments ≤ outHeight). `expandWork`: the expand's multiply-adds per input row (0 without expand); `rowWork`:
    /// the depthwise's and the project's per output row.
    /// `workers` > 1 dividing `segments` (4 segments on 2 cores): the cost is balanced between the workers' runs of
    /// consecutive segments (each worker of the chain claims its end of the segments) and each run is split into equal
    /// shares of its output rows — an equal split of a stride-1 map is already balanced between its halves, which
    /// balancing every segment alone would undo (Lite0 b1 0.985 in process, fast host phase).
    static func segmentRows(_ seg: Int, of segments: Int, workers: Int, geometry g: WindowGeometry, expandWork: Int, rowWork: Int) -> Range<Int> {
        if balancedSegments, workers > 1, segments > workers, segments % workers == 0, workers <= g.outHeight {
            let per = segments / workers
            let run = segmentRows(seg / per, of: workers, workers: 1, geometry: g, expandWork: expandWork, rowWork: rowWork)
            let i = seg % per
            return run.lowerBound + run.count * i / per..<run.lowerBound + run.count * (i + 1) / per
        }
        let oh = g.outHeight
        guard balancedSegments, segments > 1, segments <= oh else { return oh * seg / segments..<oh * (seg + 1) / segments }
        func cost(_ r: Range<Int>) -> Int {
            let lo = max(0, r.lowerBound * g.strideH - g.pad.top)
            let hi = min(g.inHeight, (r.upperBound - 1) * g.strideH - g.pad.top + g.kernelH)
            return max(0, hi - lo) * expandWork + r.count * rowWork
        }
        // The least bound T under which greedy segments (each as long as its cost stays ≤ T, leaving a row for each
        // segment after it) cover every row; then segment `seg` of that greedy split.
        func split(under t: Int) -> [Int]? {
            var ends: [Int] = [], start = 0
            for s in 0..<segments {
                var end = start + 1                          // at least one row, whatever it costs
                while end < oh - (segments - 1 - s), cost(start..<end + 1) <= t { end += 1 }
                if s == segments - 1 { end = oh }
                ends.append(end)
                start = end
            }
            var begin = 0
            for end in ends {
                if cost(begin..<end) > t { return nil }
                begin = end
            }
            return ends
        }
        var lo = 0, hi = cost(0..<oh)
        while lo < hi {
            let mid = (lo + hi) / 2
            if split(under: mid) != nil { hi = mid } else { lo = mid + 1 }
        }
        let ends = split(under: hi)!
        return (seg == 0 ? 0 : ends[seg - 1])..<ends[seg]
    }

    /// `segmentRows`' work per expanded input row and per output row (multiply-adds).
    static func segmentWork(expand: Bool, depthwise: DepthwiseConv2D, geometry g: WindowGeometry,
                            inChannels cin: Int, outChannels cout: Int) -> (expandWork: Int, rowWork: Int) {
        let mid = depthwise.channels
        return (expand ? g.inWidth * cin * mid : 0, g.outWidth * mid * (g.kernelH * g.kernelW + cout))
    }
}
