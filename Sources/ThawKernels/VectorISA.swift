import ThawBLAS
import ThawKernelBuild
import ThawKernelsAVX2
import ThawKernelsAVX512

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

    /// True when the AVX-512 builds of the depthwise rows, small-input (stem) convolutions and
    /// convolution epilogues run (ThawKernelsAVX512); detected once from the CPU. Set false to compare
    /// with the baseline build. Setting it true on a CPU without AVX-512 traps.
    nonisolated(unsafe) public static var avx512: Bool = CPUFeatures.current.hasAVX512 {
        didSet {
            precondition(!avx512 || CPUFeatures.current.hasAVX512,
                         "VectorISA.avx512: this CPU lacks AVX-512 F/BW/DQ/VL/CD; its kernels would stop with an illegal instruction")
        }
    }

    /// True when the AVX2+FMA builds of the packed convolution, depthwise, panel-GEMM and training kernels
    /// (ThawKernelsAVX2: 8-float vectors, tiles sized for 16 ymm registers) may run; they run where `avx512` is
    /// false. Detected once from the CPU; set false to compare with the BLAS/baseline path. A CPU with AVX-512 runs
    /// them too when `avx512` is set false (tests do). Setting it true on a CPU without AVX2/FMA traps.
    nonisolated(unsafe) public static var avx2Kernels: Bool = CPUFeatures.current.hasAVX2FMA {
        didSet {
            precondition(!avx2Kernels || CPUFeatures.current.hasAVX2FMA,
                         "VectorISA.avx2Kernels: this CPU lacks AVX2 or FMA; its kernels would stop with an illegal instruction")
        }
    }

    /// True when the CPU has AVX-512 with BF16 (`CPUFeatures.hasAVX512BF16`): the bfloat16 GEMMs (`BF16GEMM`) may run.
    public static let bf16: Bool = CPUFeatures.current.hasAVX512BF16

    /// True when one of the packed-kernel builds runs: AVX-512 (`avx512`), else AVX2+FMA (`avx2Kernels`).
    public static var packedKernels: Bool { avx512 || avx2Kernels }

    /// The build of the packed kernels this CPU runs now: AVX-512 when `avx512`, else AVX2+FMA when `avx2Kernels`,
    /// else nil (the BLAS/baseline paths). Read per call, so tests and benchmarks that flip the flags take effect.
    static var packedBuild: (any PackedKernelBuild.Type)? {
        avx512 ? AVX512Kernels.self : avx2Kernels ? AVX2Kernels.self : nil
    }

    /// AVX-512 depthwise rows of 7- and 14-wide maps (AVX2: 7-wide) at stride 1 as clipped runs of four pixels (default);
    /// false: interior runs and border pixels (`AVX512Kernels.narrowMaps`, `AVX2Kernels.narrowMaps`). Same floats;
    /// benchmarks compare.
    public static var narrowDepthwise: Bool {
        get { AVX512Kernels.narrowMaps }
        set { AVX512Kernels.narrowMaps = newValue; AVX2Kernels.narrowMaps = newValue }
    }

    /// The AVX-512 1×1 kernel's last panels with 17–24 or ≤ 8 valid columns as 16 + 8 / 8-column tiles (default);
    /// false: 32-/16-column tiles over the panel's zero columns (`AVX512Kernels.narrowTiles`). Same floats.
    public static var narrowPointwiseTiles: Bool {
        get { AVX512Kernels.narrowTiles }
        set { AVX512Kernels.narrowTiles = newValue }
    }

    /// The AVX2 1×1 kernel's whole tiles finish with the per-tile decisions hoisted out of the rows (default);
    /// false: row by row with every check per row (`AVX2Kernels.pointwiseWholeTiles`). Same floats; benchmarks compare.
    public static var wholePointwiseTiles: Bool {
        get { AVX2Kernels.pointwiseWholeTiles }
        set { AVX2Kernels.pointwiseWholeTiles = newValue }
    }

    /// The AVX2 stem kernel's runs of six pixels × 16 channels (default); false: runs of four
    /// (`AVX2Kernels.smallInputSixPixels`). Same floats; benchmarks compare.
    public static var sixPixelStem: Bool {
        get { AVX2Kernels.smallInputSixPixels }
        set { AVX2Kernels.smallInputSixPixels = newValue }
    }

    /// The AVX-512 1×1 kernel's last row tiles of ≤ 4 rows as 4-row tiles (default); false: 8-row tiles that
    /// repeat the last row (`AVX512Kernels.shortTiles`). Same floats.
    public static var shortPointwiseTiles: Bool {
        get { AVX512Kernels.shortTiles }
        set { AVX512Kernels.shortTiles = newValue }
    }
}

extension Activation {
    /// The activation as clamp bounds (identity ±infinity, ReLU [0, ∞), ReLU6 [0, 6]) for kernels that
    /// clamp in registers.
    var clampBounds: (low: Float, high: Float) {
        switch self {
        case .identity: return (-.infinity, .infinity)
        case .relu: return (0, .infinity)
        case .relu6: return (0, 6)
        }
    }
}
