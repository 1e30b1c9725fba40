/// `forwardPhased` with the expand and depthwise layers split by channels instead of by rows: two phases in
/// one dispatch (`PhaseChain`),
///   slab    units = 1–2 expand panels (32–64 channels of mid): the expand 1×1 on every row for those
///           channels (bias + ReLU6 fused) → e [n·h·w, mid], then the depthwise on those channels → d [n·OH·OW, mid]
///   project units = panels × row parts (bias and the skip fused)                         → y [n·OH·OW, out]
/// The depthwise is per channel, so a slab needs only what its own unit expanded: no barrier between expand
/// and depthwise, and each core's depthwise reads its own cache instead of half its input from the other
/// core's (the row-split phases claim expand units by panels and depthwise units by rows). Same floats as
/// the three-phase path: every output is the same sum in the same order.
extension InvertedResidual {
    /// Blocks on small maps at batch 1 split expand + depthwise by channel slabs (when the depthwise runs slabs:
    /// AVX-512, channels a multiple of 16, 3×3/5×5 at stride 1/2); off: three phases split by rows and panels.
    /// Benchmarks compare both (`--no-slabs`).
    nonisolated(unsafe) public static var channelSlabs = true

    /// Expand panels per slab: 2 (64 channels, four accumulator chains on border pixels) unless one panel per
    /// slab spreads the panels over the cores more evenly (21 panels on 2 cores: 11 slabs of 2 leave one
    /// core 12 panels; slabs of 1, 11).
    static func slabPanels(panels: Int, workers: Int) -> Int {
        func load(_ per: Int) -> Int { ((panels + per - 1) / per + workers - 1) / workers * per }
        return load(1) < load(2) ? 1 : 2
    }

    /// The two phases above; `forwardPhased`'s arguments and contract. Needs `depthwise.runsSlabs(g)`.
    static func channelSlabPhases(expand: PackedPointwise?, depthwise: DepthwiseConv2D, project: PackedPointwise, skip: Bool,
                                  x: UnsafePointer<Float>, batch n: Int, height h: Int, width w: Int, geometry g: WindowGeometry,
                                  into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, workers: Int) -> [Phase] {
        let mid = depthwise.channels, cout = project.outChannels
        let inRows = n * h * w, outRows = n * g.outPixels
        let e = scratch                                          // [n·h·w, mid]
        let d = expand == nil ? scratch : scratch + inRows * mid // [n·OH·OW, mid]
        let source: UnsafePointer<Float> = expand == nil ? x : UnsafePointer(e)
        let pw = PackedPointwise.panelWidth
        let midPanels = (mid + pw - 1) / pw                      // expand panels (or 32-channel slabs without expand)
        let per = slabPanels(panels: midPanels, workers: workers)
        let slabs = (midPanels + per - 1) / per
        let pPanels = project.panelCount, pParts = rowParts(rows: outRows, panels: pPanels, workers: workers)
        return [
            Phase(count: slabs, label: "expand+depthwise slabs") { u in
                let p0 = u * per, p1 = min(midPanels, p0 + per)
                expand?.forward(x, rows: inRows, panels: p0..<p1, into: e)
                for image in 0..<n {
                    depthwise.forwardRows(source + image * h * w * mid, geometry: g, rows: 0..<g.outHeight,
                                          channels: p0 * pw..<min(mid, p1 * pw), into: d + image * g.outPixels * mid)
                }
            },
            Phase(count: pPanels * pParts, label: "project") { u in
                let panel = u % pPanels, r = part(u / pPanels, of: pParts, rows: outRows)
                project.forward(d + r.lowerBound * mid, rows: r.count, panels: panel..<panel + 1,
                                residual: skip ? x + r.lowerBound * cout : nil, into: y + r.lowerBound * cout)
            },
        ]
    }
}
