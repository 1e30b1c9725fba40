import Foundation

/// Wall seconds per phase of a command, for its run record (`metrics.phase_seconds`): each `mark(name)` closes
/// the phase that began at the previous mark (or at `since`). Phases marked twice add up.
public struct PhaseClock {
    private var last: Date
    public private(set) var seconds: [String: Double] = [:]

    public init(since: Date = Date()) { last = since }

    /// Closes the phase `name` now.
    public mutating func mark(_ name: String) {
        let now = Date()
        seconds[name, default: 0] += now.timeIntervalSince(last)
        last = now
    }

    /// Splits phase `name` into `part` (`seconds` of it, measured inside) and `rest` (the remainder, ≥ 0).
    public mutating func split(_ name: String, into part: String, seconds s: Double, rest: String) {
        guard let total = seconds.removeValue(forKey: name) else { return }
        seconds[part, default: 0] += min(s, total)
        seconds[rest, default: 0] += max(0, total - s)
    }

    /// {phase: seconds} rounded to milliseconds.
    public var json: JSONValue { .object(seconds.mapValues { .number(($0 * 1000).rounded() / 1000) }) }
}
