import Foundation
import XCTest
import ThawKernels

/// `PhaseChain`: every unit of every phase exactly once, and no unit starts before every unit of the phases
/// before it has finished — over many chains of 1–12 phases (empty ones among them) on 1–3 workers, with and
/// without `WorkerTeam`, with workers spinning at the barriers and sleeping there, claiming in order and from both ends.
final class PhaseChainTests: XCTestCase {
    /// Per unit: how often it ran, and how many units had finished when it started.
    private final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var runs: [Int]
        private(set) var finishedAtStart: [Int]
        private var finished = 0
        init(_ n: Int) { runs = Array(repeating: 0, count: n); finishedAtStart = Array(repeating: -1, count: n) }
        func start(_ u: Int) { lock.lock(); runs[u] += 1; finishedAtStart[u] = finished; lock.unlock() }
        func finish() { lock.lock(); finished += 1; lock.unlock() }
    }

    func testEveryUnitOnceAfterEveryEarlierPhase() {
        let saved = (WorkerTeam.enabled, PhaseChain.spinMicroseconds)
        defer { (WorkerTeam.enabled, PhaseChain.spinMicroseconds) = saved }
        var seed: UInt64 = 7
        func random(_ n: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int(seed >> 33) % n }
        // Spinning workers, and workers that sleep at once at every barrier (woken by the finishing unit).
        for (team, spin, ends) in [(false, 50, false), (true, 50, false), (false, 0, false), (true, 0, false),
                                   (false, 50, true), (true, 50, true), (false, 0, true), (true, 0, true)] {
            (WorkerTeam.enabled, PhaseChain.spinMicroseconds) = (team, spin)
            for round in 0..<600 {
                let counts = (0..<1 + random(12)).map { _ in random(4) == 0 ? 0 : 1 + random(6) }
                let starts = counts.reduce(into: [0]) { $0.append($0.last! + $1) }
                let log = Log(starts.last!)
                let phases = counts.indices.map { p in
                    Phase(count: counts[p]) { u in
                        log.start(starts[p] + u)
                        if u % 3 == 1 { usleep(5) }
                        log.finish()
                    }
                }
                PhaseChain(phases, fromBothEnds: ends).run(workers: 1 + round % 3)
                XCTAssertEqual(log.runs, Array(repeating: 1, count: starts.last!), "\(counts), both ends \(ends)")
                for p in counts.indices {
                    for u in starts[p]..<starts[p + 1] {
                        XCTAssertGreaterThanOrEqual(log.finishedAtStart[u], starts[p], "phase \(p) unit \(u) of \(counts) started early")
                    }
                }
            }
        }
    }

    /// `PhaseChain.trace` reports each run once with its phases' counts and labels and every unit exactly once
    /// (claimed ≤ started ≤ finished; no unit starting before the last unit of the phase before it finished), and
    /// from both ends on two workers worker 0's units of a phase are a prefix of it and worker 1's the rest.
    func testTraceRecordsEveryUnitAndBothEndsSplitPhasesIntoPrefixAndSuffix() {
        final class Traces: @unchecked Sendable {
            let lock = NSLock()
            var runs: [PhaseChainRunTrace] = []
        }
        let traces = Traces()
        let saved = (WorkerTeam.enabled, PhaseChain.spinMicroseconds)
        defer { PhaseChain.trace = nil; (WorkerTeam.enabled, PhaseChain.spinMicroseconds) = saved }
        PhaseChain.trace = { r in traces.lock.lock(); traces.runs.append(r); traces.lock.unlock() }
        let counts = [5, 0, 9, 1, 16], labels = ["a", "empty", "b", "one", "c"]
        for (team, ends) in [(false, false), (true, false), (false, true), (true, true)] {
            WorkerTeam.enabled = team
            for round in 0..<50 {
                traces.runs = []
                let phases = counts.indices.map { p in
                    Phase(count: counts[p], label: labels[p]) { u in if (u + round) % 4 == 0 { usleep(20) } }
                }
                PhaseChain(phases, fromBothEnds: ends).run(workers: 2)
                XCTAssertEqual(traces.runs.count, 1)
                guard let r = traces.runs.first else { continue }
                XCTAssertEqual(r.counts, counts)
                XCTAssertEqual(r.labels, labels)
                XCTAssertLessThanOrEqual(r.start, r.end)
                var seen = counts.map { Array(repeating: 0, count: $0) }
                for e in r.units {
                    seen[e.phase][e.unit] += 1
                    XCTAssertTrue(e.worker == 0 || e.worker == 1, "worker \(e.worker)")
                    XCTAssertLessThanOrEqual(e.claimed, e.started)
                    XCTAssertLessThanOrEqual(e.started, e.finished)
                }
                XCTAssertEqual(seen, counts.map { Array(repeating: 1, count: $0) }, "team \(team), both ends \(ends)")
                for p in counts.indices.dropFirst() where counts[p] > 0 {
                    let before = r.units.filter { $0.phase < p }.map(\.finished).max() ?? 0
                    for e in r.units where e.phase == p {
                        XCTAssertGreaterThanOrEqual(e.started, before, "phase \(p) unit \(e.unit) started before phase \(p - 1) ended")
                    }
                }
                guard ends else { continue }
                for p in counts.indices where counts[p] > 0 {
                    let front = r.units.filter { $0.phase == p && $0.worker == 0 }.map(\.unit).sorted()
                    XCTAssertEqual(front, Array(0..<front.count), "phase \(p): worker 0 claims from the front")
                }
            }
        }
    }
}
