@testable import ThawKernels

/// The builds of the packed 1×1 kernel a test can run on this CPU: AVX-512 where present, AVX2+FMA where present
/// (on an AVX-512 CPU by turning `VectorISA.avx512` off), and always the baseline (OpenBLAS sgemm) fallback.
enum PointwiseBuild: String, CaseIterable {
    case avx512, avx2, baseline

    static var available: [PointwiseBuild] {
        allCases.filter { $0 == .baseline || ($0 == .avx512 ? VectorISA.avx512 : VectorISA.avx2Kernels) }
    }

    /// The packed builds only (the kernel itself, not its fallback).
    static var packed: [PointwiseBuild] { available.filter { $0 != .baseline } }

    /// body() with this build selected; the CPU's settings restored afterwards.
    func run<R>(_ body: () throws -> R) rethrows -> R {
        let saved = (VectorISA.avx512, VectorISA.avx2Kernels)
        VectorISA.avx512 = self == .avx512 && saved.0
        VectorISA.avx2Kernels = self == .avx2 || (self == .avx512 && saved.1)
        defer { (VectorISA.avx512, VectorISA.avx2Kernels) = saved }
        return try body()
    }
}
