import Foundation
import ThawKernels

/// `--chain-trace R`: R forwards with every `PhaseChain` unit timed (`PhaseChain.trace`), then per phase of the chains
/// (medians over the forwards): units, the phase's span (its first unit's start → its last unit's end), the work per
/// worker (its units' durations summed), the shortest and longest unit, and the wait before it (the time its units spent
/// waiting for the phases before to finish, summed over the workers: what the barrier in front of the phase costs).
/// "cpu" is the units' thread CPU time summed (below the work when a thread was preempted inside a unit).
/// The totals line gives the chain's wall, the work summed over workers and the idle rest (workers × wall − work).
final class ChainTraceRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var runs: [PhaseChainRunTrace] = []

    func install() { PhaseChain.trace = { [self] r in lock.lock(); runs.append(r); lock.unlock() } }

    func report(workers: Int) {
        PhaseChain.trace = nil
        func median(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.sorted()[v.count / 2] }
        func ms(_ ns: UInt64) -> Double { Double(ns) / 1e6 }
        // Chains with the same phases (one per forward, or several when a tap cuts the forward) are grouped.
        let byChain = Dictionary(grouping: runs) { $0.labels.joined(separator: "|") + "\($0.counts)" }
        for (_, list) in byChain.sorted(by: { $0.value[0].start < $1.value[0].start }) {
            let first = list[0], phases = first.counts.count
            print("# chain of \(phases) phases, \(first.counts.reduce(0, +)) units, \(list.count) runs; medians over the runs, ms")
            print("# phase                                units    span   work per worker   unit min/max      cpu   wait before")
            var walls: [Double] = [], works: [Double] = [], waits: [Double] = [], cpus: [Double] = []
            var span = [[Double]](repeating: [], count: phases), wait = span, minUnit = span, maxUnit = span, cpu = span
            var work = [[[Double]]](repeating: [[Double]](repeating: [], count: workers), count: phases)
            for r in list {
                walls.append(ms(r.end - r.start))
                works.append(r.units.reduce(0.0) { $0 + ms($1.finished - $1.started) })
                waits.append(r.units.reduce(0.0) { $0 + ms($1.started - $1.claimed) })
                cpus.append(r.units.reduce(0.0) { $0 + ms($1.cpu) })
                for p in 0..<phases {
                    let units = r.units.filter { $0.phase == p }
                    guard !units.isEmpty else { continue }
                    span[p].append(ms(units.map(\.finished).max()! - units.map(\.started).min()!))
                    wait[p].append(units.reduce(0.0) { $0 + ms($1.started - $1.claimed) })
                    cpu[p].append(units.reduce(0.0) { $0 + ms($1.cpu) })
                    let durations = units.map { ms($0.finished - $0.started) }
                    minUnit[p].append(durations.min()!); maxUnit[p].append(durations.max()!)
                    for w in 0..<workers { work[p][w].append(units.filter { $0.worker == w }.reduce(0.0) { $0 + ms($1.finished - $1.started) }) }
                }
            }
            for p in 0..<phases {
                let perWorker = (0..<workers).map { String(format: "%6.3f", median(work[p][$0])) }.joined(separator: " ")
                print(String(format: "%3d %-30@ %4d %7.3f   %@   %6.3f/%6.3f   %6.3f   %7.3f", p, first.labels[p] as NSString, first.counts[p],
                             median(span[p]), perWorker as NSString, median(minUnit[p]), median(maxUnit[p]), median(cpu[p]), median(wait[p])))
            }
            let wall = median(walls), w = median(works)
            print(String(format: "# chain wall %.3f ms, work %.3f ms (cpu %.3f) over %d workers (%.2f cores busy), idle %.3f ms, waits at barriers %.3f ms",
                         wall, w, median(cpus), workers, w / wall, Double(workers) * wall - w, median(waits)))
        }
    }
}
