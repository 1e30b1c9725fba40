import ThawBLAS
@testable import ThawKernels

/// The builds of the packed kernels a test can run on this CPU: AVX-512 (`VectorISA.avx512`), AVX2+FMA
/// (`VectorISA.avx2Kernels` with `avx512` off — on AVX-512 CPUs too) and the BLAS/baseline paths (neither).
/// `run` sets the switches for its body and restores them, so one test checks every build the CPU has (the AVX2
/// weight-gradient tiles included, though `TrainingKernels.avx2WeightGradient` is off by default).
enum PackedEngine: String, CaseIterable {
    case avx512, avx2, baseline

    /// The packed builds this CPU runs (AVX-512 and/or AVX2; none on a CPU without AVX2+FMA).
    static var onThisCPU: [PackedEngine] {
        (CPUFeatures.current.hasAVX512 ? [.avx512] : []) + (CPUFeatures.current.hasAVX2FMA ? [.avx2] : [])
    }

    /// `onThisCPU`, or the baseline alone where the CPU has neither: tests that check whichever path runs.
    static var eachOnThisCPU: [PackedEngine] { onThisCPU.isEmpty ? [.baseline] : onThisCPU }

    @discardableResult
    func run<T>(_ body: () throws -> T) rethrows -> T {
        let saved = (VectorISA.avx512, VectorISA.avx2Kernels, TrainingKernels.avx2WeightGradient)
        defer { VectorISA.avx512 = saved.0; VectorISA.avx2Kernels = saved.1; TrainingKernels.avx2WeightGradient = saved.2 }
        VectorISA.avx512 = self == .avx512
        VectorISA.avx2Kernels = self != .baseline && CPUFeatures.current.hasAVX2FMA
        TrainingKernels.avx2WeightGradient = true     // the AVX2 1×1 weight-gradient tiles (off by default) under test
        return try body()
    }
}
