import ThawBLAS
import ThawKernelsAVX2

/// Which build of the element-wise transformer kernels (GELU, softmax rows) runs: the AVX2+FMA
/// one in ThawKernelsAVX2 when the CPU has both, else this module's baseline x86-64 (SSE) one.
/// The results agree to float rounding (the AVX2 build fuses multiply-adds).
public enum VectorISA {
    /// True when the AVX2 kernels run; detected once from the CPU. Set false to compare with the
    /// baseline build (tests, benchmarks). Setting it true on a CPU without AVX2/FMA traps.
    nonisolated(unsafe) public static var avx2FMA: Bool = CPUFeatures.current.hasAVX2FMA {
        didSet {
            precondition(!avx2FMA || CPUFeatures.current.hasAVX2FMA,
                         "VectorISA.avx2FMA: this CPU lacks AVX2 or FMA; its kernels would stop with an illegal instruction")
        }
    }
}
