/// Which OpenBLAS kernel Thaw asks for, and why.
///
/// OpenBLAS 0.3.21 (Debian 12) falls back to `Prescott` (SSE3, ~38 GFLOP/s) on CPUs it does
/// not recognise, e.g. newer AVX-512 Xeons, where `SkylakeX` runs 5–8× faster. It reads
/// `OPENBLAS_CORETYPE` once, at load, so the choice is made before the library is opened:
/// - a value the user set always wins;
/// - otherwise the kernel follows the CPU's features: AVX-512 → SkylakeX, AVX2+FMA → Zen on
///   AMD, Haswell elsewhere — the kernels OpenBLAS itself picks on CPUs it knows.
///   Never ask for a kernel the CPU cannot run: SkylakeX on an AVX2-only CPU dies with SIGILL.
public struct KernelChoice: Sendable, Equatable {
    public enum Source: String, Sendable { case user, thaw, openblas }

    /// The value put into OPENBLAS_CORETYPE, or nil to let OpenBLAS detect.
    public var coretype: String?
    public var source: Source
    public var reason: String

    public static func choose(cpu: CPUFeatures, environment: [String: String]) -> KernelChoice {
        if let user = environment["OPENBLAS_CORETYPE"], !user.isEmpty {
            return KernelChoice(coretype: user, source: .user, reason: "OPENBLAS_CORETYPE=\(user) set in the environment")
        }
        if cpu.hasAVX512 {
            return KernelChoice(coretype: "SkylakeX", source: .thaw, reason: "CPU has AVX-512 (f, bw, dq, vl, cd)")
        }
        if cpu.hasAVX2FMA {
            let core = cpu.vendor == "AuthenticAMD" ? "Zen" : "Haswell"
            return KernelChoice(coretype: core, source: .thaw, reason: "CPU has AVX2 and FMA, no AVX-512")
        }
        return KernelChoice(coretype: nil, source: .openblas, reason: "no AVX2: OpenBLAS's own detection is used")
    }
}
