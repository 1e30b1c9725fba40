import Dispatch
import Foundation
import Synchronization

/// `DispatchQueue.concurrentPerform(iterations:)` for the short parallel regions of a batch-1 forward, run by
/// helper threads that stay awake between regions: after a region a helper spins for up to `spinMicroseconds`
/// waiting for the next one, then sleeps on a condition. A batch-1 forward is tens of regions of 50–500 µs back
/// to back; with concurrentPerform each one wakes a sleeping pool thread (on a virtual machine an inter-processor
/// interrupt to a halted vCPU) while the other core waits. Pitfalls:
/// - one region at a time: a call while a region runs (nested, or from another thread) falls back to
///   concurrentPerform, so it never deadlocks and never interleaves two bodies on one helper;
/// - iteration t runs on exactly one thread (per-iteration scratch stays safe; which thread is not fixed);
/// - on a loaded machine a spinning helper takes CPU from other processes and itself: at load 5–6 on 2 cores
///   Lite0 batch 1 ran at 0.74 of concurrentPerform with a 200 µs spin (median of 5 fresh-process rounds), so
///   the team is off by default (`enabled`). `during` turns it on for one forward only (ResNet at batch 1): the
///   helpers are parked (put to sleep at once) when the forward returns, and with `backsOff` a helper stops
///   spinning as soon as one of its yields hands its core to another thread.
public final class WorkerTeam: @unchecked Sendable {
    /// Off (the default): `run` is `DispatchQueue.concurrentPerform`, except inside `during`.
    nonisolated(unsafe) public static var enabled = false
    /// How long a helper spins for the next region before it sleeps.
    nonisolated(unsafe) public static var spinMicroseconds = 200
    /// A spinning helper goes to sleep as soon as its thread's involuntary context switches grow (a `sched_yield`
    /// that ran another thread: the core is wanted), instead of at the end of `spinMicroseconds`.
    nonisolated(unsafe) public static var backsOff = true
    /// Benchmarks only: called after each region of `WorkerTeam.run` (team or concurrentPerform) with its
    /// iterations' threads and times. nil (default): no clock is read. Set before forwards start.
    nonisolated(unsafe) public static var regionTrace: (@Sendable (TeamRegionTrace) -> Void)?

    /// The process-wide team: one helper per core beyond the caller's (threads start on first use).
    public static let shared = WorkerTeam(helpers: ParallelRows.cores - 1)

    private static let scopes = Atomic<Int>(0)       // `during` calls in progress (any thread)
    /// Whether `run` uses the team: `enabled`, or inside `during`.
    public static var isOn: Bool { enabled || scopes.load(ordering: .relaxed) > 0 }

    /// body() with the team on (`run` regions on the helpers), then the helpers parked unless `enabled`: they
    /// spin only between the regions of this call, not after it. `whenIdle`: only if the machine looks idle
    /// (`looksIdle`), else body() as it is (concurrentPerform).
    public static func during<R>(whenIdle: Bool = false, _ body: () throws -> R) rethrows -> R {
        if whenIdle && !looksIdle() { return try body() }
        let backOffsBefore = backOffs.load(ordering: .relaxed)
        scopes.wrappingAdd(1, ordering: .relaxed)
        defer {
            if scopes.wrappingSubtract(1, ordering: .relaxed).newValue == 0 && !enabled { shared.park() }
            if backOffs.load(ordering: .relaxed) != backOffsBefore { skipsLeft.store(idleProbeInterval, ordering: .relaxed) }
        }
        return try body()
    }

    /// After a `during` call in which a helper or the caller backed off (a yield ran another thread), this many
    /// `during(whenIdle: true)` calls skip the team before it is tried again.
    nonisolated(unsafe) public static var idleProbeInterval = 16
    static let skipsLeft = Atomic<Int>(0)
    static let backOffs = Atomic<Int>(0)     // back-offs so far (helpers and callers)

    /// `shared.run` when the team is on, else concurrentPerform without starting the team's threads.
    /// `fromBothEnds`: the calling thread takes iterations from the front (0, 1, …) and the others from the back
    /// (n − 1, n − 2, …), so on two cores each keeps one end of every region (the top rows of one layer's tiles and
    /// of the next) instead of claiming them alternately.
    public static func run(iterations n: Int, fromBothEnds: Bool = false, _ work: (Int) -> Void) {
        guard let trace = regionTrace, n > 1 else { return dispatch(iterations: n, fromBothEnds: fromBothEnds, work) }
        let buffer = TeamRegionTraceBuffer(iterations: n), onTeam = isOn
        let start = DispatchTime.now().uptimeNanoseconds
        dispatch(iterations: n, fromBothEnds: fromBothEnds) { buffer.timed($0, work) }
        trace(TeamRegionTrace(start: start, end: DispatchTime.now().uptimeNanoseconds, iterations: buffer.all, onTeam: onTeam))
    }

    private static func dispatch(iterations n: Int, fromBothEnds: Bool, _ work: (Int) -> Void) {
        if isOn {
            shared.run(iterations: n, fromBothEnds: fromBothEnds, work)
        } else if fromBothEnds && n > 2 {
            BothEndsCursor(iterations: n).perform(work)
        } else {
            DispatchQueue.concurrentPerform(iterations: n, execute: work)
        }
    }

    private typealias Body = (Int) -> Void
    private let helperCount: Int
    private let busy = Atomic<Bool>(false)           // a region is being set up or running
    /// The current region: key << 32 | lo << 16 | hi, its unclaimed iterations lo..<hi; key = generation << 1 |
    /// (helpers claim from the back). One word, so a helper that arrives late can only claim an iteration of the
    /// region it saw (a stale claim fails its CAS).
    private let ticket = Atomic<Int>(0)
    private let completed = Atomic<Int>(0)           // iterations of the current region finished
    private let sleepers = Atomic<Int>(0)
    private let parked = Atomic<Bool>(false)         // helpers sleep instead of spinning until the next region
    private let condition = NSCondition()
    private let callerSleeps = Atomic<Bool>(false)   // the caller waits on `callerCondition` for the region's end
    private let callerCondition = NSCondition()
    private var body: Body?                          // the current region's body; read only after a successful claim
    private var generation = 0                       // the caller's count of regions (written under `busy`)

    init(helpers: Int) {
        helperCount = max(0, helpers)
        for h in 0..<helperCount {
            let thread = Thread { self.helperLoop() }      // the helpers keep their team alive (never freed)
            thread.name = "thaw-team-\(h + 1)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// body(t) for t in 0..<iterations, each on one thread; returns when all have finished. Work-conserving
    /// like concurrentPerform: the caller claims iterations too, so a helper that is asleep or preempted
    /// delays nothing (it finds every iteration claimed). `fromBothEnds`: helpers claim from the back.
    public func run(iterations n: Int, fromBothEnds: Bool = false, _ work: (Int) -> Void) {
        if n <= 1 {
            if n == 1 { work(0) }
            return
        }
        guard Self.isOn, helperCount > 0, n < 1 << 15,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            DispatchQueue.concurrentPerform(iterations: n, execute: work)
            return
        }
        withoutActuallyEscaping(work) { escaping in
            body = escaping
            generation = (generation + 1) & 0x3FFF_FFFF
            completed.store(0, ordering: .sequentiallyConsistent)
            parked.store(false, ordering: .sequentiallyConsistent)
            let region = (generation << 1 | (fromBothEnds ? 1 : 0)) << 32
            ticket.store(region | n, ordering: .sequentiallyConsistent)        // lo 0, hi n; publishes body
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            while claimAndRun(region: region, front: true) {}
            waitForHelpers(iterations: n)
            body = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// Returns once `n` iterations have completed: spins (yielding after 1024 rounds), and with `backsOff` sleeps as soon
    /// as a yield ran another thread (a loaded machine: asleep, the caller leaves its core to the threads that want it,
    /// and an idle core lets the scheduler move a preempted helper there) until the helper finishing an iteration wakes it.
    private func waitForHelpers(iterations n: Int) {
        var spins = 0
        let backsOff = Self.backsOff
        var switches = -1
        while completed.load(ordering: .acquiring) < n {
            spins += 1
            guard spins > 1024 else { continue }
            sched_yield()
            guard backsOff, spins & 15 == 0 else { continue }
            let now = Self.involuntarySwitches()
            if switches < 0 { switches = now; continue }
            if now == switches { continue }
            Self.backOffs.wrappingAdd(1, ordering: .relaxed)
            callerCondition.lock()
            callerSleeps.store(true, ordering: .sequentiallyConsistent)
            while completed.load(ordering: .sequentiallyConsistent) < n { callerCondition.wait() }
            callerSleeps.store(false, ordering: .sequentiallyConsistent)
            callerCondition.unlock()
            return
        }
    }

    /// Helpers sleep at once after the current region instead of spinning (until the next `run`).
    func park() { parked.store(true, ordering: .sequentiallyConsistent) }

    /// Claims the next iteration of `region` (its ticket's key bits) from the front or the back and runs it; false
    /// when none is left or the region is over.
    private func claimAndRun(region: Int, front: Bool) -> Bool {
        var t = ticket.load(ordering: .acquiring)
        while true {
            guard t & ~0xFFFF_FFFF == region else { return false }
            let lo = (t >> 16) & 0xFFFF, hi = t & 0xFFFF
            guard lo < hi else { return false }
            let (exchanged, original) = ticket.compareExchange(expected: t, desired: front ? t + (1 << 16) : t - 1,
                                                               ordering: .acquiringAndReleasing)
            if exchanged {
                body!(front ? lo : hi - 1)
                completed.wrappingAdd(1, ordering: .sequentiallyConsistent)
                if callerSleeps.load(ordering: .sequentiallyConsistent) {
                    callerCondition.lock()
                    callerCondition.broadcast()
                    callerCondition.unlock()
                }
                return true
            }
            t = original
        }
    }

    private func helperLoop() {
        var seen = 0
        while true {
            seen = waitForRegion(after: seen)
            let front = (seen >> 32) & 1 == 0
            while claimAndRun(region: seen, front: front) {}
        }
    }

    /// Spins up to `spinMicroseconds` for a region other than `seen` (less when parked, or with `backsOff` once a
    /// yield ran another thread), then sleeps until one is published; returns its ticket's key bits.
    private func waitForRegion(after seen: Int) -> Int {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, Self.spinMicroseconds)) * 1000
        let backsOff = Self.backsOff, switches = backsOff ? Self.involuntarySwitches() : 0
        var spins = 0
        while true {
            let r = ticket.load(ordering: .acquiring) & ~0xFFFF_FFFF
            if r != seen { return r }
            if parked.load(ordering: .relaxed) { break }
            spins += 1
            // After a short pure spin, yield each round: on an idle core the yield returns at once (the
            // next region is picked up within ≈1 µs); on a loaded one the other runnable threads run
            // instead, so waiting costs them little (a pure spin here measured 0.8 of concurrentPerform
            // at load 5: the spinning helper was then preempted while holding units).
            if spins > 64 {
                sched_yield()
                if spins & 15 == 0 {
                    if DispatchTime.now().uptimeNanoseconds >= deadline { break }
                    if backsOff && Self.involuntarySwitches() != switches {
                        Self.backOffs.wrappingAdd(1, ordering: .relaxed)
                        break
                    }
                }
            }
        }
        condition.lock()
        sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
        var r = ticket.load(ordering: .sequentiallyConsistent) & ~0xFFFF_FFFF
        while r == seen {
            condition.wait()
            r = ticket.load(ordering: .sequentiallyConsistent) & ~0xFFFF_FFFF
        }
        sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        condition.unlock()
        return r
    }
}
