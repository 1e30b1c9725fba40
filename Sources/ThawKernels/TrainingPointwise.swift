import Dispatch
import Foundation
import ThawBLAS

/// The three GEMMs of a trained 1×1 convolution (stride 1, groups 1, no bias, no activation — the
/// expand/project convolutions of inverted-residual blocks and the head convolution) on the packed
/// kernels (`VectorISA.packedBuild`), over a whole chunk of rows (M = chunk · H · W pixels):
///   forward         y  [M, Cout] = x [M, Cin] · W [Cin, Cout]        `PanelKernel.gemm`, W in panels
///   input gradient  dx [M, Cin]  = dy [M, Cout] · Wᵀ                  `PanelKernel.gemm`, Wᵀ in panels
///   weight gradient dW [Cin, Cout] += xᵀ · dy                         `PackedKernelBuild.weightGradient`, nothing packed
/// Each GEMM is cut into tiles (`ConvTiles.grid`, columns on whole 64-wide panels; the forward's and dx's evened to a
/// multiple of the cores, `TrainingKernels.evenTiles`) that the cores take
/// one by one with `concurrentPerform`, each tile on its calling thread: no OpenBLAS thread start-up,
/// spinning or static halves that wait for the slower core, no per-call packing of the activations.
/// The weight changes at every optimizer step: `prepare(weight:version:)` repacks W and Wᵀ (a copy of
/// Cin·Cout floats each) only when the caller's version of it changed, once per step.
///
/// CPUs with AVX2+FMA but no AVX-512 take the AVX2 builds (`PanelKernel.gemm`, the same floats) for y and dx, on W
/// and Wᵀ laid out as strips when prepared (`PanelStrips`: no per-call copy), and dW on the AVX2 tiles (the AVX-512 build's
/// floats) unless `TrainingKernels.avx2WeightGradient` is off (then one OpenBLAS call). Runs only where `supports`
/// holds (`VectorISA.packedKernels`, Cin and Cout multiples of 64); callers keep the Conv2D/OpenBLAS path otherwise.
/// Results equal the OpenBLAS path's to float rounding.
public final class TrainingPointwise {
    public let inChannels: Int                  // Cin (K of the forward)
    public let outChannels: Int                 // Cout
    private var forwardPanels: [Float] = []     // [Cout/64][Cin][64]: W's columns 64p..<64p+64
    private var backwardPanels: [Float] = []    // [Cin/64][Cout][64]: Wᵀ's columns, i.e. W's rows 64p..<64p+64
    private var packedVersion: Int?
    var packedBF16 = false                      // prepared as bf16 panels (TrainingPointwise+BF16.swift), not the above
    var bf16Forward: [UInt32] = []              // W as BF16GEMM B panels [Cout/64][Cin/2][64] pairs
    var bf16Backward: [UInt32] = []             // Wᵀ as B panels [Cin/64][Cout/2][64] pairs
    var bf16A: [UInt32] = []                    // per call: the packed A operand
    var bf16B: [UInt32] = []                    // per call: dW's packed dy
    private var inStrips = false                // both in the AVX2 build's strip layout (`PanelStrips.packs` at `prepare`)

    /// Whether a 1×1 convolution of this shape runs here on this CPU (with the switch on).
    public static func supports(_ s: Conv2DShape) -> Bool {
        let w = PanelKernel.width
        return TrainingKernels.fused && TrainingKernels.panelGEMMs && VectorISA.packedKernels && s.isPointwise && s.groups == 1
            && s.inChannels % w == 0 && s.outChannels % w == 0
    }

    public init(_ s: Conv2DShape) {
        precondition(s.isPointwise && s.groups == 1 && s.inChannels % PanelKernel.width == 0
                     && s.outChannels % PanelKernel.width == 0,
                     "TrainingPointwise: needs a 1×1 stride-1 convolution with groups 1 and channels in multiples of 64, got \(s)")
        inChannels = s.inChannels
        outChannels = s.outChannels
    }

    /// Packs `weight` [Cin, Cout] (Conv2D's GEMM layout) into both panel layouts unless `version` is the
    /// one packed last (callers bump it whenever the weight changes). `precision` (default: the training switch)
    /// picks the panels and so the GEMMs of the forward and dx calls until the next prepare.
    public func prepare(weight: [Float], version: Int, precision: TrainingPrecision = TrainingKernels.precision) {
        let bf16 = precision == .bf16
        if packedVersion == version && packedBF16 == bf16 { return }
        if bf16 {
            prepareBF16(weight: weight)
            packedVersion = version
            packedBF16 = true
            return
        }
        packedBF16 = false
        let k = inChannels, n = outChannels, w = PanelKernel.width
        precondition(weight.count == k * n, "TrainingPointwise: the weight must be [\(k), \(n)], got \(weight.count) floats")
        if forwardPanels.count != k * n {
            forwardPanels = [Float](repeating: 0, count: k * n)
            backwardPanels = forwardPanels
        }
        // Written straight into the layout the kernel reads (`PanelStrips.layout`): one pass, no restripe.
        inStrips = PanelStrips.packs
        let (quarterStride, rowStride) = PanelStrips.layout(k: k, strips: inStrips)
        let (backQuarterStride, backRowStride) = PanelStrips.layout(k: n, strips: inStrips)
        let piece = inStrips ? w / 4 : w                                  // contiguous columns of a panel row
        weight.withUnsafeBufferPointer { wb in
            forwardPanels.withUnsafeMutableBufferPointer { fb in
                for p in 0..<(n / w) {
                    for c in stride(from: 0, to: w, by: piece) {
                        let base = fb.baseAddress! + p * k * w + c / 16 * quarterStride
                        for i in 0..<k { (base + i * rowStride).update(from: wb.baseAddress! + i * n + p * w + c, count: piece) }
                    }
                }
            }
            backwardPanels.withUnsafeMutableBufferPointer { bb in
                for p in 0..<(k / w) {
                    for j in 0..<w {
                        let row = wb.baseAddress! + (p * w + j) * n          // W[64p + j, ·]
                        let out = bb.baseAddress! + p * n * w + j / 16 * backQuarterStride + j % 16
                        for o in 0..<n { out[o * backRowStride] = row[o] }
                    }
                }
            }
        }
        packedVersion = version
    }

    /// y [rows, Cout] = x [rows, Cin] · W. Call `prepare` first.
    public func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        precondition(packedVersion != nil, "TrainingPointwise.forward: prepare(weight:version:) first")
        if packedBF16 { return forwardBF16(x, rows: rows, epilogue: nil, into: y) }
        forwardPanels.withUnsafeBufferPointer { pb in
            Self.panelTiles(rows: rows, k: inChannels, a: x, packed: pb.baseAddress!, n: outChannels, c: y, inStrips: inStrips)
        }
    }

    /// y [rows, Cout] = clamp(x [rows, Cin] · W + bias (+ residual [rows, Cout]), low, high), the bias, residual and
    /// clamp in the kernel's register epilogue (before the only store): a frozen BatchNorm folded into W and bias,
    /// ReLU6 as (0, 6), the block's skip as the residual. `y` overlaps neither x nor residual. Call `prepare` first.
    public func forward(_ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
                        low: Float, high: Float, into y: UnsafeMutablePointer<Float>) {
        precondition(packedVersion != nil, "TrainingPointwise.forward: prepare(weight:version:) first")
        if packedBF16 { return forwardBF16(x, rows: rows, epilogue: (bias, residual, low, high), into: y) }
        forwardPanels.withUnsafeBufferPointer { pb in
            Self.panelTiles(rows: rows, k: inChannels, a: x, packed: pb.baseAddress!, n: outChannels, c: y, bias: bias,
                            residual: residual, low: low, high: high, inStrips: inStrips)
        }
    }

    /// dx [rows, Cin] = dy [rows, Cout] · Wᵀ. Call `prepare` first.
    public func inputGradient(_ dy: UnsafePointer<Float>, rows: Int, into dx: UnsafeMutablePointer<Float>) {
        precondition(packedVersion != nil, "TrainingPointwise.inputGradient: prepare(weight:version:) first")
        if packedBF16 { return inputGradientBF16(dy, rows: rows, into: dx) }
        backwardPanels.withUnsafeBufferPointer { pb in
            Self.panelTiles(rows: rows, k: outChannels, a: dy, packed: pb.baseAddress!, n: inChannels, c: dx, inStrips: inStrips)
        }
    }

    /// Row tiles of `inputGradient`'s grid at `rows` rows (evened like the GEMM's own): callers that pass their own row
    /// tiles to `inputGradient(_:rows:into:rowTiles:after:)` size them by it.
    public func inputGradientRowTiles(rows: Int) -> Int { Self.grid(rows: rows, columns: inChannels).rowTiles }

    /// dx [rows, Cin] = dy [rows, Cout] · Wᵀ as `inputGradient(_:rows:into:)`, over the row tiles `rowTiles` (a partition of
    /// 0..<rows in order; the floats do not depend on the tiles: each output is one Cout-long FMA chain) × the grid's column
    /// tiles, then `after(rows, columns)` on the same thread right after each tile is written, while it is in cache.
    /// `after` runs concurrently for different tiles. Call `prepare` first.
    public func inputGradient(_ dy: UnsafePointer<Float>, rows: Int, into dx: UnsafeMutablePointer<Float>,
                              rowTiles: [Range<Int>], after: (Range<Int>, Range<Int>) -> Void) {
        precondition(packedVersion != nil, "TrainingPointwise.inputGradient: prepare(weight:version:) first")
        precondition(rowTiles.first?.lowerBound == 0 && rowTiles.last?.upperBound == rows
                     && zip(rowTiles, rowTiles.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound },
                     "TrainingPointwise.inputGradient: row tiles must partition 0..<\(rows) in order")
        let w = PanelKernel.width, k = outChannels, n = inChannels, strips = inStrips
        let g = Self.grid(rows: rows, columns: n)
        let columns = ConvTiles.Grid(m: rows, n: n, rowTiles: 1, columnTiles: g.columnTiles, align: g.align)
        if packedBF16 {   // the whole GEMM, then `after` on each tile
            inputGradientBF16(dy, rows: rows, into: dx)
            DispatchQueue.concurrentPerform(iterations: rowTiles.count * g.columnTiles) { t in
                after(rowTiles[t / g.columnTiles], columns.columns(t % g.columnTiles))
            }
            return
        }
        backwardPanels.withUnsafeBufferPointer { pb in
            let packed = pb.baseAddress!
            DispatchQueue.concurrentPerform(iterations: rowTiles.count * g.columnTiles) { t in
                let r = rowTiles[t / g.columnTiles], cols = columns.columns(t % g.columnTiles)
                let panels = (cols.lowerBound / w)..<(cols.upperBound / w)
                PanelKernel.gemm(rows: r.count, k: k, a: dy + r.lowerBound * k, lda: k, packed: packed, panels: panels,
                                 c: dx + r.lowerBound * n, ldc: n, bias: nil, residual: nil, ldr: n, low: -.infinity,
                                 high: .infinity, inStrips: strips)
                after(r, cols)
            }
        }
    }

    /// dW [Cin, Cout] += x [rows, Cin]ᵀ · dy [rows, Cout] (gradients accumulate; nothing is zeroed here).
    public func weightGradient(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int, into dw: UnsafeMutablePointer<Float>) {
        let cin = inChannels, cout = outChannels, w = PanelKernel.width
        if TrainingKernels.precision == .bf16 { return weightGradientBF16(x: x, dy: dy, rows: rows, into: dw) }
        guard let build = VectorISA.packedBuild, VectorISA.avx512 || TrainingKernels.avx2WeightGradient else {
            // One OpenBLAS call (its threads): CPUs without the packed kernels, or TrainingKernels.avx2WeightGradient off.
            BLAS.sgemm(transA: true, m: cin, n: cout, k: rows, a: x, lda: cin, b: dy, ldb: cout, beta: 1, c: dw, ldc: cout)
            return
        }
        let grid = ConvTiles.grid(m: cin, n: cout, cores: ProcessInfo.processInfo.activeProcessorCount, align: w)
        DispatchQueue.concurrentPerform(iterations: grid.count) { t in
            let cols = grid.columns(t)
            let panels = (cols.lowerBound / w)..<(cols.upperBound / w)
            build.weightGradient(x: x, ldx: cin, dy: dy, ldy: cout, pixels: rows, channels: grid.rows(t),
                                 panels: panels, dw: dw, ldw: cout)
        }
    }

    static func grid(rows m: Int, columns n: Int) -> ConvTiles.Grid {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let grid = ConvTiles.grid(m: m, n: n, cores: cores, align: PanelKernel.width)
        return TrainingKernels.evenTiles ? evenGrid(grid, cores: cores) : grid
    }

    /// `grid` with more row tiles (each ≥ 16 rows) until the tile count is a multiple of `cores`, so equal tiles end
    /// together on every core (9 → 12 on 2 cores); `grid` itself when it already is or no such count exists.
    static func evenGrid(_ grid: ConvTiles.Grid, cores: Int) -> ConvTiles.Grid {
        guard cores > 1, grid.count % cores != 0 else { return grid }
        var rowTiles = grid.rowTiles + 1
        while rowTiles * 16 <= grid.m {
            if rowTiles * grid.columnTiles % cores == 0 {
                return ConvTiles.Grid(m: grid.m, n: grid.n, rowTiles: rowTiles, columnTiles: grid.columnTiles, align: grid.align)
            }
            rowTiles += 1
        }
        return grid
    }

    /// C [m, n] = clamp(A [m, k] · B + bias + residual, low, high), B packed [n/64][k][64] (or in strips), over the tiles of
    /// `ConvTiles.grid` on all cores; `bias`/`residual` (column 0 of [n] / [m, n]) and the clamp in the kernel's registers.
    private static func panelTiles(rows m: Int, k: Int, a: UnsafePointer<Float>, packed: UnsafePointer<Float>, n: Int,
                                   c: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>? = nil,
                                   residual: UnsafePointer<Float>? = nil, low: Float = -.infinity, high: Float = .infinity,
                                   inStrips: Bool) {
        guard m > 0 else { return }
        let w = PanelKernel.width
        let grid = grid(rows: m, columns: n)
        DispatchQueue.concurrentPerform(iterations: grid.count) { t in
            let r = grid.rows(t), cols = grid.columns(t)
            let panels = (cols.lowerBound / w)..<(cols.upperBound / w)
            PanelKernel.gemm(rows: r.count, k: k, a: a + r.lowerBound * k, lda: k, packed: packed,
                             panels: panels, c: c + r.lowerBound * n, ldc: n,
                             bias: bias, residual: residual.map { $0 + r.lowerBound * n }, ldr: n, low: low, high: high,
                             inStrips: inStrips)
        }
    }
}
