import ThawBLAS
import XCTest
@testable import ThawKernels

/// The builds of the depthwise and small-input (stem) kernels a test can run on this CPU: AVX-512 (AVX-512 CPUs
/// only), AVX2+FMA (on an AVX-512 CPU with `VectorISA.avx512` set false) and the baseline (both off).
enum KernelBuild: String {
    case avx512, avx2, baseline

    /// The vector builds this CPU runs, AVX-512 first (it is the reference the AVX2 build matches bit for bit).
    static var vector: [KernelBuild] {
        (CPUFeatures.current.hasAVX512 ? [.avx512] : []) + (CPUFeatures.current.hasAVX2FMA ? [.avx2] : [])
    }

    /// `body` with `VectorISA` set to this build; the previous settings restored after.
    func run<T>(_ body: () throws -> T) rethrows -> T {
        let saved = (VectorISA.avx512, VectorISA.avx2Kernels)
        defer { (VectorISA.avx512, VectorISA.avx2Kernels) = saved }
        VectorISA.avx512 = self == .avx512
        VectorISA.avx2Kernels = self == .avx2
        return try body()
    }
}
