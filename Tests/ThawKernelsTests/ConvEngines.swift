import ThawBLAS
@testable import ThawKernels

/// A convolution engine the tests select through `VectorISA`: the AVX-512 kernels, their AVX2+FMA builds (AVX-512
/// off), or the baseline (both off: OpenBLAS and SSE loops).
enum ConvEngine: String, CaseIterable {
    case avx512 = "AVX-512", avx2 = "AVX2", baseline

    /// Whether the panel kernels (`VectorISA.packedKernels`) run on this engine.
    var packed: Bool { self != .baseline }

    /// The engines this CPU can run: AVX-512 where it has it, AVX2 where it has AVX2+FMA, always the baseline.
    static var available: [ConvEngine] {
        allCases.filter {
            switch $0 {
            case .avx512: return CPUFeatures.current.hasAVX512
            case .avx2: return CPUFeatures.current.hasAVX2FMA
            case .baseline: return true
            }
        }
    }

    /// `body` with this engine set, then the CPU's defaults back. Weights packed at load follow the engine too
    /// (`Conv2D.preparingPanels()` packs where the CPU has AVX-512 or the AVX2 kernels are on), so prepare inside.
    func run<T>(_ body: () throws -> T) rethrows -> T {
        VectorISA.avx512 = self == .avx512
        VectorISA.avx2Kernels = self == .avx2 || (self == .avx512 && CPUFeatures.current.hasAVX2FMA)
        defer {
            VectorISA.avx512 = CPUFeatures.current.hasAVX512
            VectorISA.avx2Kernels = CPUFeatures.current.hasAVX2FMA
        }
        return try body()
    }
}
