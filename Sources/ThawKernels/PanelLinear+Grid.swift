/// How `PanelLinear` cuts y [rows, out] into tiles for the cores: `ConvTiles.grid` for large outputs; for the small
/// ones (token rows at batch 1) a grid of equal tiles whose count the cores divide.
///
/// Why: `ConvTiles.grid` picks the most tiles up to 4 per core, with column boundaries rounded down to whole panels,
/// so the tiles differ: ViT-S/14's qkv (18 panels over 8 column tiles) gets tiles of 2, 2, 2, 3, 2, 2, 2, 3 panels,
/// its proj and fc2 (6 panels, 2 × 4 tiles) tiles of 1, 2, 1, 2 panels. Taken one by one by two equal cores, the
/// last tile ends 10/9 and 7/6 of the balanced time (one core idle meanwhile). Here columns split only at a divisor of
/// the panel count and the tile count is a multiple of the cores: qkv 2 × 6 tiles of 3 panels, proj and fc2 4 × 2
/// tiles of 3 panels (64 or 65 rows), fc1 (24 panels) 1 × 8 as before. Every output element runs the same sums
/// whatever its tile, so the grid never changes a float.
extension PanelLinear {
    /// Whether `forward` uses `equalTilesGrid` for small outputs (false: `ConvTiles.grid` always, for same-binary
    /// comparisons). Set before forwards start.
    nonisolated(unsafe) public static var equalTiles = true

    /// The tiles of y [m, n] (n a multiple of the panel width) on `cores` cores.
    public static func grid(m: Int, n: Int, cores: Int) -> ConvTiles.Grid {
        let plain = ConvTiles.grid(m: m, n: n, cores: cores, align: PanelKernel.width)
        // ConvTiles' large path (row tiles whose output fits `tileFloats`, already ≥ tilesPerCore per core) stays.
        let columnTiles = (n + 511) / 512
        let rowsPerTile = max(128, ConvTiles.tileFloats / ((n + columnTiles - 1) / columnTiles))
        let large = ((m + rowsPerTile - 1) / rowsPerTile) * columnTiles >= cores * ConvTiles.tilesPerCore
        if large { return coreMultipleTiles ? coreMultiple(plain, cores: cores) : plain }
        guard equalTiles, cores > 1 else { return plain }
        return equalTilesGrid(m: m, n: n, cores: cores) ?? plain
    }

    /// Whether large outputs take more row tiles when the cores do not divide ConvTiles' count (MiniLM b32's qkv,
    /// 4,096 × 1,152: 7 × 3 = 21 tiles → 8 × 3 = 24), so no core runs a last tile alone. Set before forwards start.
    /// Off: MiniLM b32's forward measured the same CPU and wall either way (benchmarks/backbones/README.md).
    nonisolated(unsafe) public static var coreMultipleTiles = false

    /// `grid` with the fewest extra row tiles that make its count a multiple of `cores` (rows of ≥ 16 each), else itself.
    static func coreMultiple(_ grid: ConvTiles.Grid, cores: Int) -> ConvTiles.Grid {
        guard cores > 1 else { return grid }
        var rowTiles = grid.rowTiles
        while (rowTiles * grid.columnTiles) % cores != 0 { rowTiles += 1 }
        guard grid.m / rowTiles >= 16 else { return grid }
        return ConvTiles.Grid(m: grid.m, n: grid.n, rowTiles: rowTiles, columnTiles: grid.columnTiles, align: grid.align)
    }

    /// The least-reading grid (column tiles × m + row tiles × n floats per unit of K: A is read once per column tile,
    /// the panels once per row tile) with `cores` dividing its tile count, at least `cores · tilesPerCore` tiles (up to
    /// 3× that), column tiles dividing the panels and row tiles of ≥ 16 rows; nil when none fits.
    static func equalTilesGrid(m: Int, n: Int, cores: Int) -> ConvTiles.Grid? {
        let width = PanelKernel.width, panels = n / width
        let want = cores * ConvTiles.tilesPerCore
        var best: (grid: ConvTiles.Grid, cost: Int)?
        for c in 1...panels where panels % c == 0 {
            for r in 1...(3 * want) where r == 1 || m / r >= 16 {
                let count = r * c
                guard count >= want, count <= 3 * want, count % cores == 0 else { continue }
                let cost = c * m + r * n
                if best == nil || cost < best!.cost {
                    best = (ConvTiles.Grid(m: m, n: n, rowTiles: r, columnTiles: c, align: width), cost)
                }
            }
        }
        return best?.grid
    }
}
