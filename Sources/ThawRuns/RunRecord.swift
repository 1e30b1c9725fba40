import Foundation

/// One extract, fit, sweep or finetune: what was asked, on what, and what came out.
/// Stored as one JSON file per run (see `RunRegistry`).
public struct RunRecord: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case extract, fit, sweep, finetune, audit }

    public var id: String                  // "<kind>-<UTC yyyyMMdd-HHmmss>-<4 hex>", sorts by time
    public var kind: Kind
    public var commandLine: [String]
    public var startedAt: Date
    public var wallSeconds: Double
    public var cache: String?              // cache path as given
    public var cacheFingerprint: String?   // manifest hash of the cache the run read or wrote
    public var config: [String: JSONValue] // flags and derived settings
    public var metrics: [String: JSONValue]  // final metrics (test top-1, macro-F1, …)
    public var epochs: [[String: JSONValue]] // per-epoch metrics, in order
    public var samplesPerSecond: Double?
    public var peakRSSBytes: Int?
    public var blasKernel: String?
    public var thawVersion: String
    /// The user's name for the run (`--name`); nil in records written before names existed.
    public var name: String? = nil

    public init(id: String, kind: Kind, commandLine: [String], startedAt: Date, wallSeconds: Double = 0,
                cache: String? = nil, cacheFingerprint: String? = nil, config: [String: JSONValue] = [:],
                metrics: [String: JSONValue] = [:], epochs: [[String: JSONValue]] = [],
                samplesPerSecond: Double? = nil, peakRSSBytes: Int? = nil, blasKernel: String? = nil,
                thawVersion: String) {
        self.id = id; self.kind = kind; self.commandLine = commandLine; self.startedAt = startedAt
        self.wallSeconds = wallSeconds; self.cache = cache; self.cacheFingerprint = cacheFingerprint
        self.config = config; self.metrics = metrics; self.epochs = epochs
        self.samplesPerSecond = samplesPerSecond; self.peakRSSBytes = peakRSSBytes
        self.blasKernel = blasKernel; self.thawVersion = thawVersion
    }

    /// A new id for a run of `kind` starting at `date`.
    public static func newID(kind: Kind, date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "\(kind.rawValue)-\(f.string(from: date))-\(String(format: "%04x", UInt16.random(in: 0...UInt16.max)))"
    }
}
