/// Which build of the training kernels runs: the fused, vectorised ones (default: one pass for the
/// activation mask + BatchNorm backward, AVX-512 depthwise backward when `VectorISA.avx512`, a
/// vectorised optimizer pass) or the plain ones they replaced. Set false to compare the two in one
/// binary (parity tests, `thaw-finetune-bench --plain`); both compute the same function to float
/// rounding.
public enum TrainingKernels {
    nonisolated(unsafe) public static var fused = true
}
