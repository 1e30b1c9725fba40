/// The operand precision of the trained 1×1 convolutions' GEMMs (`TrainingPointwise`, `TrainingKernels.precision`).
public enum TrainingPrecision: String, CaseIterable, Sendable {
    /// float32 operands (the AVX-512/AVX2 panel kernels): the default, its floats unchanged.
    case f32
    /// bfloat16 operands (round to nearest even), float32 accumulation, on CPUs with AVX512-BF16 (`BF16GEMM`); the
    /// weights, their gradients and the optimizer state stay float32 (mixed precision, as PyTorch's bf16 autocast).
    case bf16

    /// The CPU feature `.bf16` needs when this CPU lacks it, else nil.
    public var missingCPUFeature: String? {
        self == .bf16 && !VectorISA.bf16 ? "avx512_bf16 (AVX-512 with BF16: vdpbf16ps)" : nil
    }
}
