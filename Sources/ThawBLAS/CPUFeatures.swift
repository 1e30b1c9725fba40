import Foundation
import ThawCore

/// What the processor can do, read from `/proc/cpuinfo` (Linux).
public struct CPUFeatures: Sendable, Equatable {
    public var vendor: String        // "GenuineIntel", "AuthenticAMD", … ("" when unknown)
    public var modelName: String
    public var flags: Set<String>    // e.g. "avx2", "fma", "avx512f"
    public var logicalCores: Int

    public init(vendor: String, modelName: String, flags: Set<String>, logicalCores: Int) {
        self.vendor = vendor
        self.modelName = modelName
        self.flags = flags
        self.logicalCores = logicalCores
    }

    /// The set OpenBLAS's SkylakeX kernels need. All five must be present.
    public var hasAVX512: Bool {
        ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy(flags.contains)
    }
    /// AVX-512 with BF16 (`vdpbf16ps`, `vcvtne2ps2bf16`): the bfloat16 GEMMs of `thaw finetune --precision bf16`.
    public var hasAVX512BF16: Bool { hasAVX512 && flags.contains("avx512_bf16") }
    public var hasAVX2FMA: Bool { flags.contains("avx2") && flags.contains("fma") }

    /// The SIMD flags worth printing, in a stable order.
    public var simdSummary: [String] {
        let interesting = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512dq",
                           "avx512vl", "avx512cd", "avx512_vnni", "avx512_bf16", "amx_tile", "asimd", "sve"]
        return interesting.filter(flags.contains)
    }

    /// Parses the text of `/proc/cpuinfo` (first processor's block).
    public static func parse(cpuinfo text: String, logicalCores: Int) -> CPUFeatures {
        var vendor = "", model = "", flags = Set<String>()
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "vendor_id" where vendor.isEmpty: vendor = value
            case "model name" where model.isEmpty: model = value
            case "flags", "Features":
                if flags.isEmpty { flags = Set(value.split(separator: " ").map(String.init)) }
            default: break
            }
        }
        return CPUFeatures(vendor: vendor, modelName: model, flags: flags, logicalCores: logicalCores)
    }

    /// This machine.
    public static let current: CPUFeatures = {
        let text = ProcFile.read("/proc/cpuinfo") ?? ""
        return parse(cpuinfo: text, logicalCores: ProcessInfo.processInfo.activeProcessorCount)
    }()
}
