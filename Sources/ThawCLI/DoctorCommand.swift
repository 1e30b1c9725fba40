import ArgumentParser
import Foundation
import ThawAssets
import ThawBLAS
import ThawCore

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the machine: CPU, BLAS kernel and speed, threads, installed weights and data sets.")

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "Seconds to spend measuring sgemm (0 skips the measurement).")
    var seconds: Double = 2

    @Option(help: "Matrix size for the sgemm measurement (n×n×n).")
    var size: Int = 2048

    struct Report: Encodable {
        struct CPU: Encodable { var vendor, model: String; var cores: Int; var simd: [String] }
        struct BLASReport: Encodable {
            var library, kernel, config: String
            var threads: Int
            var coretypeRequested: String?
            var chosenBy, reason: String
        }
        struct GEMM: Encodable { var n, repetitions: Int; var medianGFLOPS, bestGFLOPS: Double }
        struct Asset: Encodable { var name, kind, summary: String; var path: String?; var install: String }
        var thawVersion: String
        var cpu: CPU
        var blas: BLASReport?
        var blasError: String?
        var sgemm: GEMM?
        /// The user's OPENBLAS_CORETYPE against Thaw's choice, when they differ.
        var forcedKernel: ForcedKernelComparison?
        /// Where the comparison is kept for `thaw extract`'s warning.
        var forcedKernelCache: String?
        var assets: [Asset]
        /// Where the weights and data sets were looked for, in order; record lines whose folder is gone.
        var sitePackages: [String]
        var staleSitePackages: [String]
    }

    func run() throws {
        let cpu = CPUFeatures.current
        var report = Report(
            thawVersion: thawVersion,
            cpu: .init(vendor: cpu.vendor, model: cpu.modelName, cores: cpu.logicalCores, simd: cpu.simdSummary),
            assets: KnownAsset.all.map {
                .init(name: $0.name, kind: $0.kind.rawValue, summary: $0.summary, path: $0.find(), install: $0.installCommand)
            },
            sitePackages: SitePackages.roots(), staleSitePackages: SitePackages.staleRecords())
        do {
            let info = try BLAS.load()
            report.blas = .init(library: info.library, kernel: info.corename, config: info.config,
                                threads: info.threads, coretypeRequested: info.choice.coretype,
                                chosenBy: info.choice.source.rawValue, reason: info.choice.reason)
            if seconds > 0 {
                if !json { print("measuring sgemm \(size)³ for ~\(Int(seconds)) s …") }
                let m = try GEMMThroughput.measure(n: size, seconds: seconds)
                report.sgemm = .init(n: m.n, repetitions: m.repetitions, medianGFLOPS: m.medianGFLOPS, bestGFLOPS: m.bestGFLOPS)
                if info.choice.source == .user {
                    if !json { print("measuring the kernel Thaw would choose instead of OPENBLAS_CORETYPE=\(info.choice.coretype ?? "") …") }
                    let outcome = ForcedKernel.check(seconds: seconds, size: size, policy: .measure(forcedGFLOPS: m.medianGFLOPS))
                    report.forcedKernel = outcome?.comparison
                    report.forcedKernelCache = outcome?.cachePath
                }
            }
        } catch {
            report.blasError = "\(error)"
        }
        if json { try printJSON(report) } else { printText(report) }
        if report.blasError != nil { throw ExitCode(1) }
    }

    private func printText(_ r: Report) {
        print("Thaw \(r.thawVersion)")
        print("CPU      \(r.cpu.model.isEmpty ? "unknown" : r.cpu.model) (\(r.cpu.vendor)), \(r.cpu.cores) logical cores")
        print("SIMD     \(r.cpu.simd.joined(separator: " "))")
        if let b = r.blas {
            print("BLAS     \(b.library)")
            print("kernel   \(b.kernel)  (\(b.chosenBy == "user" ? "set by user" : b.chosenBy == "thaw" ? "chosen by Thaw" : "detected by OpenBLAS"): \(b.reason))")
            print("config   \(b.config)")
            print("threads  \(b.threads)")
        } else if let e = r.blasError {
            print("BLAS     ERROR: \(e)")
        }
        if let g = r.sgemm {
            print(String(format: "sgemm    %d³: %.1f GFLOP/s median, %.1f best (%d runs)", g.n, g.medianGFLOPS, g.bestGFLOPS, g.repetitions))
            if let f = r.forcedKernel {
                print(String(format: "kernel   forced %@ %.0f GFLOP/s vs %@ %.0f GFLOP/s (Thaw's choice): ratio %.2f", f.forced, f.forcedGFLOPS,
                             f.best, f.bestGFLOPS, f.ratio))
                if f.costsSpeed { print(f.warning) }
                if let path = r.forcedKernelCache { print("kernel   figures kept in \(path) for thaw extract's warning") }
            }
        }
        print("")
        print("Weights and data sets:")
        for a in r.assets {
            let status = a.path.map { "ok       \($0)" } ?? "missing  install: \(a.install)"
            print("  \(a.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(status)")
        }
        print("  looked in: \(r.sitePackages.isEmpty ? "no site-packages folder" : r.sitePackages.joined(separator: ", "))")
        for gone in r.staleSitePackages {
            print("  note: \(SitePackages.recordPath) names \(gone), which no longer exists (a moved or deleted checkout). "
                  + "Fix: run scripts/deps.sh in your Thaw checkout (it records its own folder), or set THAW_SITE_PACKAGES.")
        }
    }
}
