import ThawBLAS
@testable import ThawKernels

/// The builds of the packed kernels a test can run on this CPU: AVX-512 (AVX-512 CPUs only), AVX2+FMA
/// (`VectorISA.avx2Kernels` with `avx512` off — on AVX-512 CPUs too) and the BLAS/baseline paths (neither).
/// `run` sets the switches for its body and restores them, so one test checks every build the CPU has (the AVX2
/// 1×1 weight-gradient tiles included: `TrainingKernels.avx2WeightGradient` set on, whatever it was).
enum KernelBuild: String, CaseIterable {
    case avx512, avx2, baseline

    /// The vector builds this CPU runs, AVX-512 first (the reference the AVX2 build matches bit for bit).
    static var vector: [KernelBuild] {
        (CPUFeatures.current.hasAVX512 ? [.avx512] : []) + (CPUFeatures.current.hasAVX2FMA ? [.avx2] : [])
    }

    /// `vector` and the baseline.
    static var all: [KernelBuild] { vector + [.baseline] }

    /// `vector`, or the baseline alone where the CPU has neither: tests that check whichever path runs.
    static var eachOnThisCPU: [KernelBuild] { vector.isEmpty ? [.baseline] : vector }

    /// `body` with `VectorISA` set to this build; the previous settings restored after.
    @discardableResult
    func run<T>(_ body: () throws -> T) rethrows -> T {
        let saved = (VectorISA.avx512, VectorISA.avx2Kernels, TrainingKernels.avx2WeightGradient)
        defer { VectorISA.avx512 = saved.0; VectorISA.avx2Kernels = saved.1; TrainingKernels.avx2WeightGradient = saved.2 }
        VectorISA.avx512 = self == .avx512
        VectorISA.avx2Kernels = self == .avx2
        TrainingKernels.avx2WeightGradient = true     // the AVX2 1×1 weight-gradient tiles under test
        return try body()
    }
}
