import Dispatch
import Foundation
import Synchronization

/// Work in up to three phases of numbered units, run by one `concurrentPerform` over the cores instead of
/// one dispatch (and one join) per phase: workers claim units 0, 1, 2, … in order from one counter, and a
/// unit of phase p starts once every unit of phase p − 1 has finished (a spin on that phase's counter,
/// yielding after a few hundred rounds). It never deadlocks when fewer threads turn up than asked: a
/// worker only ever waits for units that a running worker has already claimed.
/// At batch 1 an inverted-residual block on a 14×14 map costs ≈50–100 µs in all, so the ≈5–10 µs of each
/// extra dispatch and join counted. The one dispatch goes through `WorkerTeam` (concurrentPerform unless the team is switched on).
final class PhasedUnits: Sendable {
    private let next = Atomic<Int>(0)
    private let done0 = Atomic<Int>(0), done1 = Atomic<Int>(0), done2 = Atomic<Int>(0)
    private let ends: [Int]                      // phase p covers units ends[p − 1]..<ends[p]

    /// `counts`: units per phase (at most three phases; empty phases are allowed).
    init(counts: [Int]) {
        precondition(counts.count <= 3 && counts.allSatisfy { $0 >= 0 }, "PhasedUnits: at most 3 phases of ≥ 0 units, got \(counts)")
        var sum = 0
        ends = counts.map { sum += $0; return sum }
    }

    private func done(_ p: Int) -> Int {
        switch p {
        case 0: return done0.load(ordering: .acquiring)
        case 1: return done1.load(ordering: .acquiring)
        default: return done2.load(ordering: .acquiring)
        }
    }

    private func finish(_ p: Int) {
        switch p {
        case 0: done0.wrappingAdd(1, ordering: .releasing)
        case 1: done1.wrappingAdd(1, ordering: .releasing)
        default: done2.wrappingAdd(1, ordering: .releasing)
        }
    }

    /// Runs every unit once on up to `workers` threads: body(phase, index within the phase, worker).
    /// Worker ids are below `workers` and each runs on one thread at a time (per-worker scratch is safe).
    func run(workers: Int, _ body: (_ phase: Int, _ unit: Int, _ worker: Int) -> Void) {
        guard let total = ends.last, total > 0 else { return }
        WorkerTeam.run(iterations: max(1, min(workers, total))) { worker in
            var phase = 0
            while true {
                let u = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard u < total else { return }
                while u >= ends[phase] { phase += 1 }
                for q in 0..<phase {           // every earlier phase (one may be empty), not just the last
                    let need = ends[q] - (q > 0 ? ends[q - 1] : 0)
                    var spins = 0
                    while done(q) < need {
                        spins += 1
                        if spins > 256 { sched_yield() }
                    }
                }
                body(phase, u - (phase > 0 ? ends[phase - 1] : 0), worker)
                finish(phase)
            }
        }
    }
}
