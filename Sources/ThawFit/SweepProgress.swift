import Foundation
import ThawCore
import ThawHeads
import ThawRuns
import ThawStore

/// What one group of a sweep produced (the unit of resume: the heads trained together, stacked, or
/// one L-BFGS path): its table rows, per-epoch histories, and the test metrics of its own best
/// member, so a resumed sweep can pick the overall best without retraining anything.
public struct SweepGroupResult: Codable, Sendable {
    public struct Row: Codable, Sendable {
        public var index: Int
        public var validation: ClassificationMetrics
        public var bestEpoch: Int
        /// The epoch whose weights the head ended with and whether early stopping cut it short (nil
        /// in progress lines written before they were recorded).
        public var weightsEpoch: Int? = nil
        public var stoppedEarly: Bool? = nil
    }
    /// Grid indices of the members, in training order (the group's identity).
    public var members: [Int]
    public var rows: [Row]
    /// Grid index (as a string key) → per-epoch objects.
    public var histories: [String: [[String: JSONValue]]]
    /// Grid index of the group's best member by `SweepRun.better`, and its test metrics (nil without a test split).
    public var best: Int
    public var test: ClassificationMetrics?
    public var trainSeconds: Double
    public var rowsSeen: Int
    /// The best member's predicted class per test row (nil without a test split, or in progress lines
    /// written before it was recorded), so a resumed sweep records the same predictions.
    public var testPredictions: [Int32]? = nil
    /// The best member's most confident test mistakes, as many as `--misclassified` asked for when
    /// the group trained (nil when none were asked for).
    public var testMistakes: [Mistake]? = nil
}

/// The durable progress of one sweep: an append-only JSONL file beside the run records
/// (`RUNS/sweep-progress/<key>.jsonl`). Line 1 holds the sweep's fingerprint (cache manifest, record
/// count, every grid point, solver, epochs, batch, seed, shard); each later line one finished group,
/// written with a single `write` and fsync'd before training goes on. A kill loses at most the group
/// being trained; a torn last line (a kill mid-write) is ignored. A sweep with another fingerprint
/// uses another file, so it starts fresh and never mixes results. The file is removed once the
/// sweep's run record is saved.
public final class SweepProgress {
    /// The progress file.
    public let url: URL
    /// Groups finished by earlier runs of the same sweep, by member list.
    public private(set) var finished: [[Int]: SweepGroupResult] = [:]
    private let handle: FileHandle

    /// The canonical description of a sweep: equal descriptions, interchangeable results.
    public static func fingerprint(_ q: SweepRequest, manifest: Manifest, recordCount: Int, points: [SweepPoint]) -> String {
        let grid = points.map { p in
            "\(p.index):\(p.tap):\(PoolingName.of(p.pooling)):\(HeadName.of(p.head)):\(p.lr.map { "\($0.bitPattern)" } ?? "-")"
                + ":\(p.weightDecay.map { "\($0.bitPattern)" } ?? "-"):\(p.c.map { "\($0.bitPattern)" } ?? "-")"
        }.joined(separator: ",")
        return "cache=\(manifest.fingerprint) records=\(recordCount) solver=\(q.solver.rawValue) epochs=\(q.epochs) "
            + "batch=\(q.batch) seed=\(q.seed) shard=\(q.shard) incomplete=\(q.load.allowIncomplete) grid=[\(grid)]"
            + trainingOptions(q)
    }

    /// The training options beyond the grid, spelled only when set, so a sweep without them keeps the
    /// fingerprint (and the progress file) it had before they existed.
    static func trainingOptions(_ q: SweepRequest) -> String {
        var s = ""
        if q.labelSmoothing != 0 { s += " smoothing=\(q.labelSmoothing.bitPattern)" }
        if q.balancedClassWeights { s += " class_weights=balanced" }
        if let e = q.earlyStop { s += " early_stop=\(e)" }
        if q.flip { s += " flip=true" }
        return s
    }

    /// Opens (creating if needed) the progress file for `fingerprint` in `folder` and reads the groups it holds.
    public init(folder: URL, fingerprint: String) throws {
        let key = String(format: "%08x", CRC32C.checksum(Array(fingerprint.utf8)))
        let url = folder.appendingPathComponent("sweep-\(key).jsonl")
        self.url = url
        let fm = FileManager.default
        func fail(_ problem: String) -> FitError {
            FitError("\(url.path): \(problem). Fix: delete the file to start this sweep over")
        }
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let header = Self.line(["fingerprint": fingerprint])
        if !fm.fileExists(atPath: url.path) {
            // Header first in a temporary file, renamed in place: the file exists only with its header.
            let tmp = url.appendingPathExtension("tmp")
            try Data(header.utf8).write(to: tmp)
            try Self.fsync(tmp)
            try fm.moveItem(at: tmp, to: url)
            try Self.fsync(folder)
        }
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let torn = !text.hasSuffix("\n")
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first, first + "\n" == header else {
            throw fail("written by another sweep (its fingerprint differs from this command's cache, grid and seed)")
        }
        let decoder = Self.decoder()
        var found: [[Int]: SweepGroupResult] = [:]
        var tornLineParsed = false
        for (n, line) in lines.enumerated().dropFirst() {
            do {
                let g = try decoder.decode(SweepGroupResult.self, from: Data(line.utf8))
                found[g.members] = g
                if n == lines.count - 1 && torn { tornLineParsed = true }
            } catch {
                if n == lines.count - 1 && torn { break }   // the kill came mid-write: that group is redone
                throw fail("line \(n + 1) is not a finished sweep group (\(error))")
            }
        }
        finished = found
        handle = try FileHandle(forWritingTo: url)
        if torn && !tornLineParsed {
            // Cut the torn line off so the next group starts on a line of its own.
            let keep = lines.dropLast().reduce(0) { $0 + $1.utf8.count + 1 }
            try handle.truncate(atOffset: UInt64(keep))
            try handle.synchronize()
        }
        try handle.seekToEnd()
        if torn && tornLineParsed { try handle.write(contentsOf: Data("\n".utf8)) }
    }

    deinit { try? handle.close() }

    /// The earlier result of the group with these members, if one was recorded.
    public func result(members: [SweepPoint]) -> SweepGroupResult? { finished[members.map(\.index)] }

    /// Appends a finished group and fsyncs it.
    public func record(_ g: SweepGroupResult) throws {
        let data = try Self.encoder().encode(g)
        try handle.write(contentsOf: data + Data("\n".utf8))
        try handle.synchronize()
        finished[g.members] = g
    }

    /// Removes the progress file (the sweep's run record now holds everything).
    public func remove() { try? FileManager.default.removeItem(at: url) }

    private static func line(_ o: [String: String]) -> String {
        String(decoding: try! encoder().encode(o), as: UTF8.self) + "\n"
    }

    private static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        // Diverged heads have NaN/inf losses; plain JSON has no spelling for them.
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    private static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    private static func fsync(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw FitError("\(url.path): cannot open to fsync (errno \(errno))") }
        defer { close(fd) }
        guard Foundation.fsync(fd) == 0 else { throw FitError("\(url.path): fsync failed (errno \(errno)). Fix: check the disk") }
    }
}
