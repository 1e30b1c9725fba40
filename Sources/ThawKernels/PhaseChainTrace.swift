import Foundation

/// One unit of a `PhaseChain` as it ran (`PhaseChain.trace`, benchmarks only). Times are `DispatchTime` nanoseconds.
public struct PhaseChainUnitEvent: Sendable {
    public let phase: Int, unit: Int, worker: Int
    /// Claimed from the chain's counter; started (after waiting for the phases before it); finished.
    public let claimed: UInt64, started: UInt64, finished: UInt64
    /// The worker thread's CPU time spent in the unit (`CLOCK_THREAD_CPUTIME_ID`): below finished − started when the
    /// thread was preempted inside the unit.
    public let cpu: UInt64
}

/// The calling thread's CPU time in nanoseconds.
@inline(__always) func threadCPUNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// One `PhaseChain.run` as it ran: its phases (unit counts and labels), the region's start and end on the calling
/// thread, and every unit's event.
public struct PhaseChainRunTrace: Sendable {
    public let counts: [Int], labels: [String]
    public let start: UInt64, end: UInt64
    public let units: [PhaseChainUnitEvent]
}

extension PhaseChain {
    /// Called after each `run` with its trace when set (benchmarks: `thaw-backbones-bench --chain-trace`); nil: no
    /// timestamps taken. Set it between forwards, never while a chain runs.
    nonisolated(unsafe) public static var trace: (@Sendable (PhaseChainRunTrace) -> Void)?
}

/// A run's unit events, one array per worker in its own allocation (each worker appends to its own: no lock per unit,
/// and no two threads modify one Swift array).
final class PhaseChainTraceBuffer: @unchecked Sendable {
    private let perWorker: UnsafeMutablePointer<[PhaseChainUnitEvent]>
    private let workers: Int
    init(workers: Int) {
        self.workers = workers
        perWorker = .allocate(capacity: workers)
        perWorker.initialize(repeating: [], count: workers)
    }
    deinit { perWorker.deinitialize(count: workers); perWorker.deallocate() }
    func append(_ e: PhaseChainUnitEvent) { perWorker[e.worker].append(e) }
    var all: [PhaseChainUnitEvent] { (0..<workers).flatMap { perWorker[$0] } }
}
