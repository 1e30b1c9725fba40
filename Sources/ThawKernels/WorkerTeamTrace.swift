import Dispatch
import Foundation

/// One parallel region as it ran (`WorkerTeam.regionTrace`, benchmarks only): when the caller started it and saw it
/// end, and each iteration's thread and times. Times are `DispatchTime` nanoseconds.
public struct TeamRegionTrace: Sendable {
    public struct Iteration: Sendable {
        public let index: Int
        /// Whether the thread that called `run` ran it (else a helper or a pool thread).
        public let onCaller: Bool
        public let start: UInt64, end: UInt64
    }
    public let start: UInt64, end: UInt64
    public let iterations: [Iteration]
    /// Whether the region ran on the team's helpers (else `concurrentPerform`).
    public let onTeam: Bool
}

/// Collects a traced region's iterations from several threads (one lock; benchmarks only).
final class TeamRegionTraceBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [TeamRegionTrace.Iteration] = []
    private let caller = pthread_self()

    init(iterations: Int) { items.reserveCapacity(iterations) }

    /// work(t), timed, then recorded with whether it ran on the caller's thread.
    func timed(_ t: Int, _ work: (Int) -> Void) {
        let start = DispatchTime.now().uptimeNanoseconds
        work(t)
        let end = DispatchTime.now().uptimeNanoseconds
        let item = TeamRegionTrace.Iteration(index: t, onCaller: pthread_equal(pthread_self(), caller) != 0, start: start, end: end)
        lock.lock(); items.append(item); lock.unlock()
    }

    var all: [TeamRegionTrace.Iteration] { lock.lock(); defer { lock.unlock() }; return items }
}
