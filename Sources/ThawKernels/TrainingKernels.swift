import ThawKernelsAVX2

/// Which build of the training kernels runs: the fused, vectorised ones (default: one pass for the
/// activation mask + BatchNorm backward, AVX-512 (or AVX2+FMA) depthwise backward when `VectorISA.packedKernels`, a
/// vectorised optimizer pass) or the plain ones they replaced. Set false to compare the two in one
/// binary (parity tests, `thaw-finetune-bench --plain`); both compute the same function to float
/// rounding.
public enum TrainingKernels {
    nonisolated(unsafe) public static var fused = true
    /// With `fused`: the 1×1 convolutions' GEMMs as single-threaded parts on the kernels' threads
    /// (`SplitGEMM.sgemmParts`). Off by default: one OpenBLAS call each was faster for Lite0 blocks
    /// 12–15 at chunk 32 (`thaw-finetune-bench 256 64 --alternate=6 --compare-split`, load 9: split 48.9,
    /// one call 54.4 maps/s, median per-round ratio 0.94).
    nonisolated(unsafe) public static var splitGEMMs = false
    /// With `fused`: the 1×1 convolutions of the trained blocks whose channels are multiples of 64 run their
    /// forward, input-gradient and weight-gradient GEMMs on the AVX-512 kernels in tiles over the cores
    /// (`TrainingPointwise`) when the CPU has AVX-512 (AVX2+FMA: their AVX2 builds); false: OpenBLAS (or `splitGEMMs`) as before.
    nonisolated(unsafe) public static var panelGEMMs = true
    /// With `panelGEMMs`: the operands of those GEMMs in float32 (`.f32`, default) or bfloat16 with float32 accumulation
    /// (`.bf16`, `thaw finetune --precision bf16`: `BF16GEMM`, CPUs with AVX512-BF16 only; the weights' bf16 panels are
    /// packed once per optimizer step at `TrainingPointwise.prepare`, the activations and gradients per call).
    /// Setting `.bf16` on a CPU without AVX512-BF16 traps: check `TrainingPrecision.missingCPUFeature` first.
    nonisolated(unsafe) public static var precision: TrainingPrecision = .f32 {
        didSet {
            precondition(precision.missingCPUFeature == nil,
                         "TrainingKernels.precision: this CPU lacks \(precision.missingCPUFeature ?? ""); the bf16 GEMMs would stop with an illegal instruction")
        }
    }
    /// With `fused`: stride-1 "same" depthwise layers without activation (Lite0 blocks 12–15) take their backward by
    /// image × 16-channel blocks over zero-padded copies on AVX-512 or AVX2 (`DepthwiseConv2D.backwardInBlocks`); false: the
    /// row kernel (`AVX512Kernels.depthwiseBackwardRow`) as before.
    nonisolated(unsafe) public static var depthwiseBlocks = true
    /// With `panelGEMMs` on a CPU with AVX2+FMA but no AVX-512: the 1×1 weight gradients on the AVX2 tiles
    /// (`AVX2Kernels.weightGradient`, operands packed per pixel run: the AVX-512 build's floats) over both cores (default);
    /// false: one OpenBLAS call each. On the Zen 2 EPYC, `thaw-finetune-bench 512 64 --alternate=8 --compare-avx2-dw`,
    /// three sessions: 1.00–1.17× maps/s (1.00 while other processes left it one core), 1.12–1.22× maps per CPU-second
    /// (per-round medians; OpenBLAS's two threads spin between calls). One thread alone the tiles run at 0.88–0.97×
    /// OpenBLAS's Zen kernel (`--dw`). The in-place tiles measured 0.8–1.0×.
    nonisolated(unsafe) public static var avx2WeightGradient = true
    /// With `panelGEMMs`: a forward or input-gradient GEMM whose `ConvTiles.grid` has a tile count that is not a multiple
    /// of the cores gets more row tiles until it is (`TrainingPointwise`): at chunk 32 (M = 1,568) Lite0's expand forward,
    /// head forward and project input gradient are 3 × 3 = 9 equal tiles, so one core runs 5 while the other waits
    /// after 4; 4 × 3 = 12 tiles split 6 + 6. The same floats (each output is one K-long FMA chain whatever the tile).
    /// On (default): on the Zen 2 EPYC with both cores free, `thaw-finetune-bench 512 64 --alternate=10
    /// --compare-even-tiles` gave 1.03× maps/s in three sessions (per-round 0.95–1.08) and 1.01× per CPU-second; with
    /// another process holding a core, no difference (the dynamic tiles then fill whichever core is free).
    nonisolated(unsafe) public static var evenTiles = true
    /// Frozen BatchNorm forwards of the trained blocks (`BatchNormTraining.frozenForward`) on CPUs with AVX2+FMA and no
    /// AVX-512: one ymm pass (`AVX2Kernels.batchNormForwardRows`) instead of the baseline build's affine + clamp passes;
    /// the same floats. **Off by default**: on the Zen 2 EPYC the pass alone at [1,568, 1,152] took 1/1.39–1/1.45 of the
    /// baseline's CPU time (`thaw-finetune-bench --bn-forward=21`), but whole steps measured 0.99–1.01× per CPU-second
    /// (`--compare-bn-forward`) and `thaw finetune` 0.98× (BN forward is ≈ 3% of the step: the ≈ 0.8% it predicts is under
    /// the shared machine's noise), so it waits for an idle measurement.
    nonisolated(unsafe) public static var avx2BatchNormForward = false
    /// With `panelGEMMs`: the frozen BN1 backward of each trained inverted-residual block (ReLU6 mask, dx = γ·invstd·g,
    /// dγ, dβ) runs tile by tile right after the project convolution's input-gradient GEMM writes each tile
    /// (`FrozenBatchNormTiles`, `TrainingPointwise.inputGradient(rowTiles:after:)`), instead of one more pass over the
    /// [M, mid] map; and BN2's backward reads dy in place instead of a copy of it. The same floats (the sums' blocks and
    /// order are kept). **Off by default**: on the Zen 2 EPYC (shared, load 3–9) whole steps measured 1.03×, 0.98× and 0.98× per
    /// CPU-second (`thaw-finetune-bench 512 64 --alternate=10 --compare-bn-in-dx`), the GEMM + BN alone 1.01× and 0.98×
    /// (`--bn-in-dx=21`), `thaw finetune` 1.01× CPU: no gain the machine resolves (the pass it moves is ≈ 2.5% of the step).
    nonisolated(unsafe) public static var batchNormInDxTiles = false
    /// With `avx2WeightGradient`: the AVX2 tiles on operands packed per pixel run (`AVX2Kernels.weightGradientPacked`,
    /// default) or read in place; the same floats. Benchmarks and tests flip it.
    public static var avx2PackedWeightGradient: Bool {
        get { AVX2Kernels.weightGradientPacked }
        set { AVX2Kernels.weightGradientPacked = newValue }
    }
}
