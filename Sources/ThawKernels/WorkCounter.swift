import Foundation

/// Hands out work units 0, 1, 2, … below a limit to the workers of a parallel region, one at a time (a lock, not an
/// atomic: units are whole blocks or images, so a claim is rare next to the work it claims).
public final class WorkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    public init() {}

    /// The next unclaimed unit, or nil once `limit` units are out.
    public func next(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}
