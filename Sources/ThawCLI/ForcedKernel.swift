import Foundation
import ThawBLAS

/// A kernel the user forced with `OPENBLAS_CORETYPE`, measured against the one Thaw would choose.
/// OpenBLAS reads the variable once, at load, so the other kernel is measured in a child process
/// (`thaw doctor --json` with the variable replaced); both measure sgemm n³ for the same time.
struct ForcedKernel: Encodable {
    var forced: String
    var forcedGFLOPS: Double
    /// The kernel Thaw chooses for this CPU ("openblas" when it leaves the choice to OpenBLAS).
    var best: String
    var bestGFLOPS: Double
    /// forced / best: below 0.8 the forced kernel costs speed worth a warning.
    var ratio: Double { bestGFLOPS > 0 ? forcedGFLOPS / bestGFLOPS : 1 }
    var costsSpeed: Bool { ratio < 0.8 }

    var warning: String {
        String(format: "warning: OPENBLAS_CORETYPE=%@ runs sgemm at %.0f GFLOP/s; the %@ kernel Thaw picks for this CPU runs %.0f (%.1f× faster). "
               + "Unset OPENBLAS_CORETYPE unless you need it (older OpenBLAS builds may need it on some CPUs).",
               forced, forcedGFLOPS, best, bestGFLOPS, bestGFLOPS / max(forcedGFLOPS, 1e-9))
    }

    /// nil unless the user forced a kernel other than Thaw's choice. `forcedGFLOPS` is this process's
    /// measurement when the caller has one (doctor), else it is measured here.
    static func check(seconds: Double, size: Int, forcedGFLOPS measured: Double? = nil) -> ForcedKernel? {
        guard let info = try? BLAS.load(), info.choice.source == .user, let forced = info.choice.coretype else { return nil }
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = nil
        let thaws = KernelChoice.choose(cpu: CPUFeatures.current, environment: environment)
        guard thaws.coretype?.lowercased() != forced.lowercased() else { return nil }
        if let best = thaws.coretype { environment["OPENBLAS_CORETYPE"] = best }
        guard let mine = measured ?? (try? GEMMThroughput.measure(n: size, seconds: seconds))?.medianGFLOPS,
              let other = childGFLOPS(environment: environment, seconds: seconds, size: size) else { return nil }
        return ForcedKernel(forced: forced, forcedGFLOPS: mine, best: thaws.coretype ?? "openblas", bestGFLOPS: other)
    }

    /// sgemm median GFLOP/s of `thaw doctor` run with `environment`.
    private static func childGFLOPS(environment: [String: String], seconds: Double, size: Int) -> Double? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: p.executableURL!.path) {
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        p.arguments = ["doctor", "--json", "--seconds", String(seconds), "--size", String(size)]
        p.environment = environment
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        return (json?["sgemm"] as? [String: Any])?["medianGFLOPS"] as? Double
    }
}
