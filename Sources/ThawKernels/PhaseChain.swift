import Foundation
import Synchronization

/// One phase of a `PhaseChain`: `count` units, body(unit, worker) for each (worker < the chain's workers, each on one
/// thread at a time: per-worker scratch is safe).
public struct Phase {
    public let count: Int
    public let body: (_ unit: Int, _ worker: Int) -> Void
    /// What the phase computes, for traces (`PhaseChain.trace`): e.g. "expand", "b7 depthwise".
    public var label = ""
    public init(count: Int, label: String = "", body: @escaping (Int) -> Void) {
        (self.count, self.label, self.body) = (count, label, { u, _ in body(u) })
    }
    public init(count: Int, label: String = "", perWorker body: @escaping (_ unit: Int, _ worker: Int) -> Void) {
        (self.count, self.label, self.body) = (count, label, body)
    }
    /// The same phase under another label.
    public func labelled(_ label: String) -> Phase { var p = self; p.label = label; return p }
}

/// Any number of phases in one parallel region (`WorkerTeam.run`), the units of a phase starting once every unit
/// of the phases before it has finished: consecutive batch-1 blocks on small maps run as one region instead of one
/// per block (each region wakes the pool's threads again), a linear's LayerNorm rows and its tiles as one, the
/// attention core's packing and its units as one.
/// One counter of finished units is the barrier for every phase: a unit of phase p starts only when all units
/// before phase p have finished, so no unit of phase ≥ p can finish earlier and `finished ≥ start of p` means
/// "every earlier phase done". Workers claim units in order from one counter, so it never deadlocks when fewer
/// threads turn up than asked (a worker only waits for units a running worker has claimed).
/// From both ends (`init(_:fromBothEnds:)`) the even workers claim a phase's units from its front and the odd ones
/// from its back (still no unit of phase p + 1 before every unit of phase p is claimed): on two cores each keeps "its"
/// half of every phase — the top rows of one block's segments and of the next — so a row segment mostly reads rows its
/// own core wrote.
public final class PhaseChain: Sendable {
    /// In order: the next unclaimed unit. From both ends: phase << 48 | lo << 24 | hi, the current phase's unclaimed
    /// units lo..<hi (chain-wide indices).
    private let next: Atomic<Int>
    private let bothEnds: Bool
    private let finished = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)       // workers asleep on `wake` until more units finish
    private let wake = NSCondition()
    private let starts: [Int]                   // phase p covers units starts[p]..<starts[p + 1]
    nonisolated(unsafe) private let bodies: [(Int, Int) -> Void]
    private let labels: [String]

    /// Phases of `counts[p]` units (empty phases allowed) as one chain: body(phase, unit within the phase, worker).
    public static func run(counts: [Int], workers: Int, _ body: (_ phase: Int, _ unit: Int, _ worker: Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            PhaseChain(counts.enumerated().map { p, n in Phase(count: n, perWorker: { u, w in body(p, u, w) }) })
                .run(workers: workers)
        }
    }

    /// The workers `run` uses by default: one per core.
    public static var cores: Int { ParallelRows.cores }

    /// `fromBothEnds`: even workers claim each phase's units from its front, odd ones from its back.
    public init(_ phases: [Phase], fromBothEnds: Bool = false) {
        var sum = 0
        starts = [0] + phases.map { sum += $0.count; return sum }
        bothEnds = fromBothEnds && sum < 1 << 24 && phases.count < 1 << 14
        next = Atomic(bothEnds && !phases.isEmpty ? starts[1] : 0)
        bodies = phases.map(\.body)
        labels = phases.map(\.label)
    }

    /// Runs every unit once on up to `workers` threads (nil: one per core).
    public func run(workers: Int? = nil) {
        let workers = workers ?? ParallelRows.cores, total = starts.last!
        guard total > 0 else { return }
        let threads = max(1, min(workers, total))
        let trace = Self.trace, buffer = trace.map { _ in PhaseChainTraceBuffer(workers: threads) }
        let regionStart = trace == nil ? 0 : DispatchTime.now().uptimeNanoseconds
        WorkerTeam.run(iterations: threads) { worker in
            var phase = 0
            while true {
                guard let u = claim(worker: worker) else { return }
                while u >= starts[phase + 1] { phase += 1 }
                let claimed = buffer == nil ? 0 : DispatchTime.now().uptimeNanoseconds
                waitUntilFinished(starts[phase])
                let started = buffer == nil ? 0 : DispatchTime.now().uptimeNanoseconds
                let cpu0 = buffer == nil ? 0 : threadCPUNanoseconds()
                bodies[phase](u - starts[phase], worker)
                if let buffer {
                    let cpu = threadCPUNanoseconds() - cpu0
                    buffer.append(PhaseChainUnitEvent(phase: phase, unit: u - starts[phase], worker: worker, claimed: claimed,
                                                      started: started, finished: DispatchTime.now().uptimeNanoseconds, cpu: cpu))
                }
                finished.wrappingAdd(1, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    wake.lock()
                    wake.broadcast()
                    wake.unlock()
                }
            }
        }
        if let trace, let buffer {
            trace(PhaseChainRunTrace(counts: zip(starts, starts.dropFirst()).map { $1 - $0 }, labels: labels,
                                     start: regionStart, end: DispatchTime.now().uptimeNanoseconds, units: buffer.all))
        }
    }

    /// How long a waiting worker spins before it sleeps (0: sleeps at once).
    nonisolated(unsafe) public static var spinMicroseconds = 50

    /// The chain-wide index of the unit `worker` runs next, or nil when every unit is claimed.
    private func claim(worker: Int) -> Int? {
        guard bothEnds else {
            let u = next.wrappingAdd(1, ordering: .relaxed).oldValue
            return u < starts.last! ? u : nil
        }
        let mask = (1 << 24) - 1
        var word = next.load(ordering: .relaxed)
        while true {
            let phase = word >> 48, lo = (word >> 24) & mask, hi = word & mask
            let desired: Int
            if lo < hi {
                desired = worker % 2 == 0 ? phase << 48 | (lo + 1) << 24 | hi : phase << 48 | lo << 24 | (hi - 1)
            } else {
                // The phase is all claimed: on to the next one with units.
                var p = phase + 1
                while p + 1 < starts.count, starts[p] == starts[p + 1] { p += 1 }
                guard p + 1 < starts.count else { return nil }
                desired = p << 48 | starts[p] << 24 | starts[p + 1]
            }
            let (exchanged, original) = next.compareExchange(expected: word, desired: desired, ordering: .relaxed)
            if exchanged, lo < hi { return worker % 2 == 0 ? lo : hi - 1 }
            word = exchanged ? desired : original
        }
    }

    /// Returns once `count` units have finished: spins (yielding after 256 rounds) up to `spinMicroseconds`, then
    /// sleeps until a finishing unit wakes it. On a busy machine a worker that yields in a loop keeps competing for
    /// the core with the worker it waits for (the one holding the phase's last unit); asleep it leaves it that core.
    private func waitUntilFinished(_ count: Int) {
        guard finished.load(ordering: .acquiring) < count else { return }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, Self.spinMicroseconds)) * 1000
        var spins = 0
        while finished.load(ordering: .acquiring) < count {
            spins += 1
            if spins > 256 { sched_yield() }
            if spins & 15 == 0, DispatchTime.now().uptimeNanoseconds >= deadline {
                wake.lock()
                sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
                while finished.load(ordering: .sequentiallyConsistent) < count { wake.wait() }
                sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                wake.unlock()
                return
            }
        }
    }
}
