import ArgumentParser
import Foundation
import ThawStore

/// `thaw cache info|verify|audit|export|merge`: inspect, check, export and merge feature caches.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Inspect, verify, audit, export and merge LMDB feature caches (format: docs/cache-format.md).",
        subcommands: [Info.self, Verify.self, Audit.self, Export.self, Merge.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manifest, records per split, bytes per tap and on disk, completeness.")
        @Argument(help: "Cache directory.") var path: String
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func run() throws {
            let info = try CacheReader(path: path).info()
            if json { return try printJSON(info) }
            let m = info.manifest
            print("cache       \(info.path)")
            print("backbone    \(m.backbone)  weights sha256 \(m.weightsSHA256.prefix(16))…")
            print("data        \(m.sampleCount) samples × \(m.views) view(s), shard \(m.shard) = indices \(m.indexRange)")
            print("records     \(info.records) of \(info.expectedRecords)  \(info.complete ? "complete" : "INCOMPLETE")")
            print("samples     " + info.samplesPerSplit)
            print("views       " + info.viewsLine)
            print("labels      \(m.labelNames.count): \(m.labelNames.prefix(8).joined(separator: ", "))\(m.labelNames.count > 8 ? ", …" : "")")
            for (tap, size) in zip(m.taps, info.tapBytes) {
                print("tap         \(tap.name)  \(tap.dtype.rawValue) \(tap.shape.map(String.init).joined(separator: "×")) \(tap.layout)  \(size.bytesPerRecord) B")
            }
            print(String(format: "disk        %.0f B/record on disk for %.0f B stored (%.1f%% page overhead), data.mdb %.1f MB",
                         info.diskBytesPerRecord, info.meanRecordBytes, 100 * info.pageOverhead, Double(info.fileBytes) / 1e6))
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-check every record's CRC-32C, that every index is present once, and the manifest counts.")
        @Argument(help: "Cache directory.") var path: String
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func run() throws {
            let report: VerifyReport
            do { report = try CacheReader(path: path).verify() } catch let damage as CacheDamage where json {
                // Damaged B-tree pages: nothing was read, so there is no record report, only the damage.
                struct Out: Encodable { var ok = false; var path: String; var damagedPage: Int?; var problem: String; var message: String }
                try printJSON(Out(path: path, damagedPage: damage.page, problem: damage.problem, message: damage.description))
                throw ExitCode(1)
            }
            if json {
                struct Out: Encodable { var ok: Bool; var report: VerifyReport }
                try printJSON(Out(ok: report.ok, report: report))
            } else {
                print(report.summary)
            }
            if !report.ok { throw ExitCode(1) }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one tap as float32 .npy [records, *shape] and the labels as int32 .npy, in key order.")
        @Argument(help: "Cache directory.") var path: String
        @Option(help: "Tap name (see `thaw cache info`).") var tap: String
        @Option(name: .shortAndLong, help: "Output .npy for the tap (.npy is added when missing; never inside a cache folder).") var output: String
        @Option(help: "Output .npy for the labels (default: OUTPUT with .labels.npy).") var labels: String?
        @Option(help: "Only records of this split.") var split: String?
        @Flag(help: "Export a cache whose extraction has not finished (the records written so far).") var allowIncomplete = false
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func validate() throws {
            guard !output.isEmpty, !output.hasSuffix("/") else { throw ValidationError("--output needs a file name, e.g. exports/pool.npy") }
        }

        func run() throws {
            // NumPy's np.save adds .npy too; np.load of the name without it would not find the file.
            func npy(_ name: String) -> String { name.lowercased().hasSuffix(".npy") ? name : name + ".npy" }
            let tapFile = npy(output)
            let labelsFile = labels.map(npy) ?? String(tapFile.dropLast(4)) + ".labels.npy"
            let result = try CacheReader(path: path).export(tap: tap, to: tapFile, labelsTo: labelsFile, split: split,
                                                            allowIncomplete: allowIncomplete)
            if json { return try printJSON(result) }
            print("\(result.rows) records, shape \(result.shape) → \(result.tapFile), labels → \(result.labelsFile)")
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge complete shard caches (written with --shard i/N) into one cache.")
        @Argument(help: "Shard cache directories, all N of them, in any order.") var shards: [String]
        @Option(name: .shortAndLong, help: "Output cache directory.") var output: String
        @Option(help: "Records per write transaction.") var batch = 256
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func validate() throws {
            guard !shards.isEmpty else { throw ValidationError("Please name at least one shard cache.") }
            guard batch >= 1 else { throw ValidationError("--batch must be ≥ 1.") }
        }

        func run() throws {
            try CacheMerge.merge(shards: shards, into: output, batchSize: batch)
            let report = try CacheReader(path: output).verify()
            if json {
                struct Out: Encodable { var output: String; var ok: Bool; var records: Int }
                try printJSON(Out(output: output, ok: report.ok, records: report.recordsChecked))
            } else {
                print("merged \(shards.count) shards → \(output): \(report.summary)")
            }
            if !report.ok { throw ExitCode(1) }
        }
    }
}
