import Foundation
import Synchronization

/// One phase of a `PhaseChain`: `count` units, body(unit, worker) for each (worker < the chain's workers, each on one
/// thread at a time: per-worker scratch is safe).
public struct Phase {
    public let count: Int
    public let body: (_ unit: Int, _ worker: Int) -> Void
    public init(count: Int, body: @escaping (Int) -> Void) { (self.count, self.body) = (count, { u, _ in body(u) }) }
    public init(count: Int, perWorker body: @escaping (_ unit: Int, _ worker: Int) -> Void) { (self.count, self.body) = (count, body) }
}

/// Any number of phases in one parallel region (`WorkerTeam.run`), the units of a phase starting once every unit
/// of the phases before it has finished: consecutive batch-1 blocks on small maps run as one region instead of one
/// per block (each region wakes the pool's threads again), a linear's LayerNorm rows and its tiles as one, the
/// attention core's packing and its units as one.
/// One counter of finished units is the barrier for every phase: a unit of phase p starts only when all units
/// before phase p have finished, so no unit of phase ≥ p can finish earlier and `finished ≥ start of p` means
/// "every earlier phase done". Workers claim units in order from one counter, so it never deadlocks when fewer
/// threads turn up than asked (a worker only waits for units a running worker has claimed).
public final class PhaseChain: Sendable {
    private let next = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)       // workers asleep on `wake` until more units finish
    private let wake = NSCondition()
    private let starts: [Int]                   // phase p covers units starts[p]..<starts[p + 1]
    nonisolated(unsafe) private let bodies: [(Int, Int) -> Void]

    /// Phases of `counts[p]` units (empty phases allowed) as one chain: body(phase, unit within the phase, worker).
    public static func run(counts: [Int], workers: Int, _ body: (_ phase: Int, _ unit: Int, _ worker: Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            PhaseChain(counts.enumerated().map { p, n in Phase(count: n, perWorker: { u, w in body(p, u, w) }) })
                .run(workers: workers)
        }
    }

    /// The workers `run` uses by default: one per core.
    public static var cores: Int { ParallelRows.cores }

    public init(_ phases: [Phase]) {
        var sum = 0
        starts = [0] + phases.map { sum += $0.count; return sum }
        bodies = phases.map(\.body)
    }

    /// Runs every unit once on up to `workers` threads (nil: one per core).
    public func run(workers: Int? = nil) {
        let workers = workers ?? ParallelRows.cores, total = starts.last!
        guard total > 0 else { return }
        WorkerTeam.run(iterations: max(1, min(workers, total))) { worker in
            var phase = 0
            while true {
                let u = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard u < total else { return }
                while u >= starts[phase + 1] { phase += 1 }
                waitUntilFinished(starts[phase])
                bodies[phase](u - starts[phase], worker)
                finished.wrappingAdd(1, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    wake.lock()
                    wake.broadcast()
                    wake.unlock()
                }
            }
        }
    }

    /// How long a waiting worker spins before it sleeps (0: sleeps at once).
    nonisolated(unsafe) public static var spinMicroseconds = 50

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
