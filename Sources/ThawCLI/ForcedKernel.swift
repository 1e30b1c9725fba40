import Foundation
import ThawBLAS

/// A kernel the user forced with `OPENBLAS_CORETYPE`, measured against the one Thaw would choose.
/// OpenBLAS reads the variable once, at load, so the other kernel is measured in a child process
/// (`thaw doctor --json` with the variable replaced); both measure sgemm n³ for the same time.
/// `thaw doctor` measures every time and stores the figures (`ForcedKernelCache`); `thaw extract`
/// warns from the stored figures and measures only when this machine has none yet.
enum ForcedKernel {
    enum Policy {
        /// Measure now (`forcedGFLOPS`: this process's figure when the caller already has one) and store.
        case measure(forcedGFLOPS: Double?)
        /// Use the stored figures when there are some for this machine, else measure and store.
        case reuseStored
    }

    struct Outcome {
        var comparison: ForcedKernelComparison
        /// Non-nil when the figures came from the cache: when they were measured.
        var storedAt: String?
        var cachePath: String
    }

    /// nil unless the user forced a kernel other than Thaw's choice (or a measurement failed).
    static func check(seconds: Double, size: Int, policy: Policy,
                      cache: ForcedKernelCache = .standard()) -> Outcome? {
        guard let info = try? BLAS.load(), info.choice.source == .user, let forced = info.choice.coretype else { return nil }
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = nil
        let thaws = KernelChoice.choose(cpu: CPUFeatures.current, environment: environment)
        guard thaws.coretype?.lowercased() != forced.lowercased() else { return nil }
        let best = thaws.coretype ?? "openblas"
        let key = ForcedKernelCache.key(cpuModel: CPUFeatures.current.modelName, openBLASConfig: info.config, threads: info.threads,
                                        forced: forced, best: best)
        var measured: Double?
        switch policy {
        case .reuseStored:
            if let entry = cache.lookup(key) { return Outcome(comparison: entry.comparison, storedAt: entry.measured, cachePath: cache.path) }
        case .measure(let figure):
            measured = figure
        }
        if let coretype = thaws.coretype { environment["OPENBLAS_CORETYPE"] = coretype }
        guard let mine = measured ?? (try? GEMMThroughput.measure(n: size, seconds: seconds))?.medianGFLOPS,
              let other = childGFLOPS(environment: environment, seconds: seconds, size: size) else { return nil }
        let comparison = ForcedKernelComparison(forced: forced, forcedGFLOPS: mine, best: best, bestGFLOPS: other, n: size)
        do {
            try cache.store(comparison, key: key)
        } catch {
            FileHandle.standardError.write(Data("note: \(error)\n".utf8))
        }
        return Outcome(comparison: comparison, storedAt: nil, cachePath: cache.path)
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
