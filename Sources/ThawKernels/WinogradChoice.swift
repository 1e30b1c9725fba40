/// When a convolution that holds a Winograd filter (`Conv2D.preparingWinograd()`) takes the
/// Winograd path instead of im2col + sgemm, and how it chunks its tiles.
public enum WinogradChoice {
    public enum Policy: Sendable {
        /// By shape, where it was measured to pay (`pays`).
        case automatic
        /// Whenever the convolution holds a Winograd filter and the CPU has AVX2 + FMA (tests, benchmarks).
        case always
        /// Never (tests and benchmarks compare with im2col).
        case never
    }

    /// Process-wide, like `SplitGEMM.enabled`: set it before forwards start, not during them.
    nonisolated(unsafe) public static var policy: Policy = .automatic

    /// Whether convolutions holding a Winograd filter may take that path in this process (the CPU has
    /// AVX2 + FMA and the policy allows it): what a cache manifest records.
    public static var mayRun: Bool { VectorISA.avx2FMA && policy != .never }

    /// Whether the tile transforms may run in the AVX-512 build (`AVX512WinogradTiles`) on CPUs with
    /// AVX-512; false: always the AVX2 build (benchmarks compare both). Set it before forwards start.
    nonisolated(unsafe) public static var wideTransforms = true

    /// Whether `Conv2D.deferringWinograd()` defers U to the first forward that runs it (true) or computes it
    /// at once like `preparingWinograd()` (false: benchmarks compare the memory). Set before loading models.
    nonisolated(unsafe) public static var deferFilters = true

    /// Off the panel kernel's rule (CPUs without AVX-512), Winograd needs at least this many times Cin·Cout/4096
    /// tiles (and 16). 1, the default, is the measured sgemm crossover; 2 leaves layer3's 14×14×256 convolutions
    /// at batch 1 (16 tiles; U is 36·256·256 floats, 9.4 MB per layer, four times the 3×3 weights, read from
    /// beyond L2 for 16 rows) to the AVX2 window kernel. Floats change where the path does. Set before forwards start.
    nonisolated(unsafe) public static var minTilesScale = 1

    /// Floats the transformed chunk (V and M together) may take at once.
    nonisolated(unsafe) public static var chunkFloats = 1 << 21

    /// Floats (V and M of all 36 positions) one tile group may take in a core's scratch when the 36 GEMMs run on the
    /// panel kernel: above 0, `Conv2D.forwardWinogradInGroups` makes and consumes V and M a group at a time (in L2)
    /// instead of whole-layer scratches; 0: whole-layer chunks (`chunkFloats`). Same floats either way. Set before
    /// forwards start. 84 Ki floats: 18 tiles of ResNet's layer1 (332 KB), which ran faster than 12, 14, 22 or 28
    /// (benchmarks/backbones/README.md).
    nonisolated(unsafe) public static var groupFloats = 84 << 10

    /// The largest U (36·Cin·Cout floats) the tile groups take: every group reads all of U, so only a U that stays in
    /// cache pays. 256 Ki floats (1 MB): ResNet's layer1 (U 0.6 MB) runs in groups; layer2 (2.4 MB: 3–6% slower in
    /// groups of 10–12, 0.99–1.05 with two groups, one core) and layer3 (9.4 MB) keep whole-layer chunks.
    nonisolated(unsafe) public static var groupMaxFilterFloats = 1 << 18

    /// Tiles per group for `total` tiles, or nil for whole-layer chunks: as many as `groupFloats` holds, rounded down to
    /// a multiple of 6 (the panel kernel's row block; at least 12), the last group taking the rest; nil when groups are
    /// off, U is above `groupMaxFilterFloats`, or there would be fewer groups than cores.
    static func tilesPerGroup(total: Int, inChannels cin: Int, outChannels cout: Int) -> Int? {
        guard groupFloats > 0, WinogradF43.positions * cin * cout <= groupMaxFilterFloats else { return nil }
        let tiles = max(12, groupFloats / (WinogradF43.positions * (cin + cout)) / 6 * 6)
        return (total + tiles - 1) / tiles >= ParallelRows.cores ? tiles : nil
    }

    /// Whether layers that do not run in tile groups but fit `sliceFloats` run their products and output transform one
    /// 64-channel slice of Cout at a time (`Conv2D.forwardWinogradInSlices`: each core's M slice stays in L2, U is read
    /// once); false: whole-layer chunks. Same floats either way. Set before forwards start.
    nonisolated(unsafe) public static var outputSlices = false

    /// Floats one core's M slice (36 positions × tiles × 64 channels) may take: 128 Ki floats (512 KB, L2).
    nonisolated(unsafe) public static var sliceFloats = 1 << 17

    /// Whether a layer of `total` tiles runs in output slices: `outputSlices`, Cout in at least two 64-column panels,
    /// and its M slice within `sliceFloats`.
    static func runsInSlices(total: Int, outChannels cout: Int) -> Bool {
        outputSlices && cout % 64 == 0 && cout / 64 >= 2 && WinogradF43.positions * total * 64 <= sliceFloats
    }

    /// Whether Winograd runs this forward: never without AVX2 + FMA (its tile kernels need them),
    /// else `policy`, then the measured rule.
    static func use(batch n: Int, geometry g: WindowGeometry, shape: Conv2DShape) -> Bool {
        guard VectorISA.avx2FMA else { return false }
        switch policy {
        case .always: return true
        case .never: return false
        case .automatic: return pays(batch: n, outHeight: g.outHeight, outWidth: g.outWidth,
                                     inChannels: shape.inChannels, outChannels: shape.outChannels)
        }
    }

    /// Whether the 36 GEMMs of a convolution with `cout` outputs run on the AVX-512 panel kernel, U read in place
    /// from its 64-column panels (`Conv2D.winogradFilterInPanels`, `ConvTiles.panelKernel`): `pays`'s
    /// `onPanelKernel`. CPUs without AVX-512 run these GEMMs on the AVX2 build of the panel kernel, but keep the
    /// sgemm crossover: with 4 tiles per image (layer4 at batch 1) reading U (36·512·512 floats) bounds it, and
    /// Winograd took 2.4–2.7 ms against 1.6–2.3 ms for the AVX2 window kernel (benchmarks/backbones/README.md).
    static func panelGEMMs(outChannels cout: Int) -> Bool {
        VectorISA.avx512 && ConvTiles.panelKernel && cout % PanelKernel.width == 0
    }

    /// `pays` for the GEMM path this CPU takes (`panelGEMMs`).
    public static func pays(batch n: Int, outHeight oh: Int, outWidth ow: Int, inChannels cin: Int, outChannels cout: Int) -> Bool {
        pays(batch: n, outHeight: oh, outWidth: ow, inChannels: cin, outChannels: cout, onPanelKernel: panelGEMMs(outChannels: cout))
    }

    /// The measured crossover (`thaw-kernels-bench winograd`; benchmarks/kernels/README.md): at least
    /// 16 tiles, and at least Cin·Cout/4096 of them. Each GEMM reads its U[ξ] (36·Cin·Cout floats in
    /// all, 4× the 3×3 weights) for `tiles` rows only, so few tiles over many channels are bound by
    /// reading U: ResNet's 7×7×512 layers (4 tiles per image) lost 2–4× at batch 1 through sgemm (which
    /// packs U on every call) and break even near batch 16, while 56×56×64 … 14×14×256 win 1.5–3× from
    /// batch 1 on. On the panel kernel (`onPanelKernel`: U read in place from its panels) 4 tiles suffice:
    /// layer4's 7×7×512 at batch 1 ran in 0.72× the direct path's time (median of 8 paired layers,
    /// `thaw-backbones-bench --profile`, benchmarks/backbones/README.md).
    public static func pays(batch n: Int, outHeight oh: Int, outWidth ow: Int, inChannels cin: Int, outChannels cout: Int,
                            onPanelKernel: Bool) -> Bool {
        let tiles = n * ((oh + 3) / 4) * ((ow + 3) / 4)
        return onPanelKernel ? tiles >= 4 : tiles >= max(16, minTilesScale * cin * cout / 4096)
    }

    /// Tiles per chunk: as many as `chunkFloats` holds (V and M of all 36 positions), at least 64
    /// so each GEMM keeps enough rows to reuse its U[ξ]; balanced so the last chunk is not a sliver.
    static func tilesPerChunk(total: Int, inChannels cin: Int, outChannels cout: Int) -> Int {
        let fit = max(64, chunkFloats / (WinogradF43.positions * (cin + cout)))
        let chunks = (total + fit - 1) / fit
        return (total + chunks - 1) / chunks
    }
}
