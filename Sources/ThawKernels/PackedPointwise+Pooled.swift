/// A network's head 1×1 and the global average pool after it as one phase: each unit computes one 32-column panel of
/// the head over every row and then the mean of those columns per image, while they are still in its cache. The pool
/// never reads a map the other core wrote (a batch-1 head on 7×7 is 49 rows × 1280 columns, 250 KB) and the chain
/// loses a one-unit phase and its barrier. Same floats as `parallelPhase` followed by `Pooling.globalAvgPool`: each
/// column's sum starts at 0 and adds the pixels in order, then × 1 / pixels.
extension PackedPointwise {
    /// `parallelPhase(x, rows: images · pixels, into: y)` whose units also write pooled [images, N] (row i: the mean
    /// over image i's `pixels` rows of y); nil when `parallelPhase` is nil or would split a panel's rows into parts
    /// (a part could not pool alone). y still holds the whole map afterwards; pooled overlaps neither x nor y.
    public func pooledParallelPhase(_ x: UnsafePointer<Float>, images: Int, pixels: Int, into y: UnsafeMutablePointer<Float>,
                                    pooled: UnsafeMutablePointer<Float>, workers: Int? = nil) -> Phase? {
        let workers = workers ?? ParallelRows.cores, rows = images * pixels
        guard pixels > 0, parallelPhase(x, rows: rows, into: y, workers: workers) != nil,
              InvertedResidual.rowParts(rows: rows, panels: panelCount, workers: workers) == 1 else { return nil }
        let n = outChannels, pw = Self.panelWidth, inv = 1 / Float(pixels)
        return Phase(count: panelCount, label: "1x1+pool") { panel in
            forward(x, rows: rows, panels: panel..<panel + 1, into: y)
            let c0 = panel * pw, c1 = min(n, c0 + pw)
            for image in 0..<images {
                let o = pooled + image * n, map = y + image * pixels * n
                for j in c0..<c1 { o[j] = 0 }
                for p in 0..<pixels {
                    let v = map + p * n
                    for j in c0..<c1 { o[j] += v[j] }
                }
                for j in c0..<c1 { o[j] *= inv }
            }
        }
    }
}
