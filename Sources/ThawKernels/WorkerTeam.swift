import Dispatch
import Foundation
import Synchronization

/// `DispatchQueue.concurrentPerform(iterations:)` for the short parallel regions of a batch-1 forward, run by
/// helper threads that stay awake between regions: after a region a helper spins for up to `spinMicroseconds`
/// waiting for the next one, then sleeps on a condition. A batch-1 EfficientNet-Lite0 forward is ≈ 20 regions
/// of 50–500 µs back to back; with concurrentPerform each one wakes a sleeping pool thread, and on an idle
/// virtual machine that wake (an inter-processor interrupt to a halted vCPU) may cost tens of µs while the
/// other core waits (not measured: no idle machine yet). Pitfalls:
/// - one region at a time: a call while a region runs (nested, or from another thread) falls back to
///   concurrentPerform, so it never deadlocks and never interleaves two bodies on one helper;
/// - iteration t runs on exactly one thread, t = 0 on the caller (per-worker scratch stays safe);
/// - on a loaded machine a spinning helper takes CPU from other processes and itself: at load 5–6 on 2 cores
///   Lite0 batch 1 ran at 0.74 of concurrentPerform (median of 5 fresh-process rounds; the fastest forward
///   was no better), so the team is off by default until an idle machine shows what it gains there
///   (`thaw-backbones-bench --team`, `--alternate-team N`).
public final class WorkerTeam: @unchecked Sendable {
    /// Off (the default): `run` is `DispatchQueue.concurrentPerform`.
    nonisolated(unsafe) public static var enabled = false
    /// How long a helper spins for the next region before it sleeps.
    nonisolated(unsafe) public static var spinMicroseconds = 200

    /// The process-wide team: one helper per core beyond the caller's (threads start on first use).
    public static let shared = WorkerTeam(helpers: ParallelRows.cores - 1)

    /// `shared.run` when the team is on, else concurrentPerform without starting the team's threads.
    public static func run(iterations n: Int, _ work: (Int) -> Void) {
        if enabled { shared.run(iterations: n, work) } else { DispatchQueue.concurrentPerform(iterations: n, execute: work) }
    }

    private typealias Body = (Int) -> Void
    private let helperCount: Int
    private let busy = Atomic<Bool>(false)           // a region is being set up or running
    /// The current region: generation << 32 | iterations << 16 | next unclaimed iteration. One word, so a
    /// helper that arrives late can only claim an iteration of the region it saw (a stale claim fails its CAS).
    private let ticket = Atomic<Int>(0)
    private let completed = Atomic<Int>(0)           // iterations of the current region finished
    private let sleepers = Atomic<Int>(0)
    private let condition = NSCondition()
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
    /// delays nothing (it finds every iteration claimed).
    public func run(iterations n: Int, _ work: (Int) -> Void) {
        if n <= 1 {
            if n == 1 { work(0) }
            return
        }
        guard Self.enabled, helperCount > 0, n < 1 << 15,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            DispatchQueue.concurrentPerform(iterations: n, execute: work)
            return
        }
        withoutActuallyEscaping(work) { escaping in
            body = escaping
            generation = (generation + 1) & 0x7FFF_FFFF
            completed.store(0, ordering: .sequentiallyConsistent)
            let region = generation << 32 | n << 16
            ticket.store(region, ordering: .sequentiallyConsistent)        // publishes body
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            while claimAndRun(region: region) {}
            var spins = 0
            while completed.load(ordering: .acquiring) < n {
                spins += 1
                if spins > 1024 { sched_yield() }
            }
            body = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// Claims the next iteration of `region` (its ticket's upper bits) and runs it; false when none is left
    /// or the region is over.
    private func claimAndRun(region: Int) -> Bool {
        var t = ticket.load(ordering: .acquiring)
        while true {
            guard t & ~0xFFFF == region else { return false }
            let index = t & 0xFFFF, n = (t >> 16) & 0xFFFF
            guard index < n else { return false }
            let (exchanged, original) = ticket.compareExchange(expected: t, desired: t + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                body!(index)
                completed.wrappingAdd(1, ordering: .releasing)
                return true
            }
            t = original
        }
    }

    private func helperLoop() {
        var seen = 0
        while true {
            seen = waitForRegion(after: seen)
            while claimAndRun(region: seen) {}
        }
    }

    /// Spins up to `spinMicroseconds` for a region other than `seen`, then sleeps until one is published;
    /// returns its ticket's region bits.
    private func waitForRegion(after seen: Int) -> Int {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, Self.spinMicroseconds)) * 1000
        var spins = 0
        while true {
            let r = ticket.load(ordering: .acquiring) & ~0xFFFF
            if r != seen { return r }
            spins += 1
            // After a short pure spin, yield each round: on an idle core the yield returns at once (the
            // next region is picked up within ≈1 µs); on a loaded one the other runnable threads run
            // instead, so waiting costs them little (a pure spin here measured 0.8 of concurrentPerform
            // at load 5: the spinning helper was then preempted while holding units).
            if spins > 64 {
                sched_yield()
                if spins & 15 == 0, DispatchTime.now().uptimeNanoseconds >= deadline { break }
            }
        }
        condition.lock()
        sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
        var r = ticket.load(ordering: .sequentiallyConsistent) & ~0xFFFF
        while r == seen {
            condition.wait()
            r = ticket.load(ordering: .sequentiallyConsistent) & ~0xFFFF
        }
        sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        condition.unlock()
        return r
    }
}
