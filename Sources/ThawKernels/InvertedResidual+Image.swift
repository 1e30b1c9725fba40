extension InvertedResidual {
    /// Batches of at least the core count: the stem and consecutive fused blocks run image by image on one core
    /// (`InvertedResidualStages`' image chains) instead of stage by stage over the whole batch, so an image's maps
    /// (≤ 1.6 MB at 112×112×32) stay in that core's caches from one stage to the next instead of a batch's maps
    /// (51 MB at batch 32) passing through DRAM. Off: each stage runs over the batch. The same floats either way.
    /// On: Lite0 batch 32 in process (`thaw-backbones-bench --alternate image-chains=0,1,20`, six runs of 12–20 rounds
    /// at load 7–14) used 1.00–1.04× less CPU per forward and 1.00–1.10× less wall time (per-round medians).
    nonisolated(unsafe) public static var imageChains = true
    /// Image chains also take the packed head and the average pool (each image's 7×7×1280 head map, 250 KB, pooled
    /// while in L2). Off: the chain ends at the last block. Off by default: in process it measured neutral (CPU per
    /// forward 1.000, wall 0.985–1.008, 20 rounds at load 15).
    nonisolated(unsafe) public static var imageChainsHead = false

    /// y [OH, OW, out] = block(x [h, w, in]) of one image on the calling thread, band by band as `forward`'s workers run
    /// a whole image (the same floats). `plan` from `plan(...)` at a batch of at least the core count (one segment per
    /// image); `scratch` holds `plan.workerFloats`; the packed kernels must be on (`PackedPointwise.enabled`).
    public static func forwardImage(_ plan: InvertedResidualPlan, expand: Conv2D?, depthwise: DepthwiseConv2D, project: Conv2D,
                                    packed: (expand: PackedPointwise?, project: PackedPointwise), skip: Bool,
                                    x: UnsafePointer<Float>, height h: Int, width w: Int,
                                    into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        precondition(plan.segmentsPerImage == 1 && PackedPointwise.enabled && (expand == nil) == (packed.expand == nil),
                     "InvertedResidual.forwardImage: one segment per image, packed kernels")
        let g = depthwise.geometry(height: h, width: w)
        let mid = depthwise.channels, cin = expand?.shape.inChannels ?? mid, cout = project.shape.outChannels
        precondition(!skip || (g.strideH == 1 && g.strideW == 1 && cin == cout), "InvertedResidual: a skip needs stride 1 and in == out")
        let band = Band(g: g, mid: mid, cin: cin, cout: cout, rows: plan.bandRows, capacity: plan.expandedCapacity,
                        x: x, y: y, e: scratch, d: scratch + plan.expandedCapacity * w * mid)
        // The packed kernels only (checked above): the BLAS weights' pointers are never read.
        withOptionalPointer(expand?.weight) { ew in
            withOptionalPointer(project.weight) { pw in
                band.run(outRows: 0..<g.outHeight, expand: expand.map { ($0, ew!, nil) }, depthwise: depthwise,
                         project: (project, pw!, nil), packed: packed, skip: skip)
            }
        }
    }
}
