import Foundation

// A decoded manifest skips the memberwise inits' preconditions, so a damaged or hand-edited
// manifest could carry a zero shard count (division by zero in `indexRange`), negative or huge
// tap dimensions (overflow traps in `elementCount`/`Record.size`) or zero views. Readers and
// writers derive sizes from these fields, so they are checked once, here, before any use.
extension Manifest {
    /// Largest payload of one record (bytes) a manifest may declare: 1 GiB.
    public static let maxRecordPayload = 1 << 30

    /// What makes this manifest unusable, or nil when every derived size is safe to compute.
    public var problem: String? {
        guard !taps.isEmpty else { return "it lists no taps" }
        guard Set(taps.map(\.name)).count == taps.count else { return "its tap names are not unique" }
        var payload = 0
        for tap in taps {
            guard tap.shape.allSatisfy({ $0 > 0 }) else {
                return "tap \"\(tap.name)\" has shape \(tap.shape); every dimension must be positive"
            }
            guard tap.layout.count == tap.shape.count else {
                return "tap \"\(tap.name)\" has layout \"\(tap.layout)\" for a shape of \(tap.shape.count) axes"
            }
            var elements = 1
            for d in tap.shape {
                let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, p <= Manifest.maxRecordPayload else {
                    return "tap \"\(tap.name)\" shape \(tap.shape) is larger than \(Manifest.maxRecordPayload) elements"
                }
                elements = p
            }
            payload += elements * tap.dtype.size   // each term ≤ 2^32, at most a few taps: no overflow
            guard payload <= Manifest.maxRecordPayload else {
                return "its taps need more than \(Manifest.maxRecordPayload) bytes per record"
            }
        }
        guard (1...Int(UInt16.max)).contains(views) else { return "views is \(views); it must be in 1...65535" }
        guard sampleCount >= 0, sampleCount <= Int(Int32.max) else { return "sampleCount is \(sampleCount)" }
        guard !splitNames.isEmpty, splitNames.count <= Int(UInt16.max) else { return "it has \(splitNames.count) split names" }
        guard shard.count >= 1, shard.index >= 0, shard.index < shard.count else {
            return "shard \(shard.index)/\(shard.count) is not in 0..<count with count ≥ 1"
        }
        return nil
    }
}
