import Foundation
import XCTest
@testable import ThawKernels

/// `WorkerTeam`: every iteration exactly once per region, back-to-back regions, regions after the helpers fell
/// asleep, nested and concurrent calls (fallback to concurrentPerform), and the disabled path.
final class WorkerTeamTests: XCTestCase {
    private var savedEnabled = false
    override func setUp() { savedEnabled = WorkerTeam.enabled; WorkerTeam.enabled = true }
    override func tearDown() { WorkerTeam.enabled = savedEnabled }

    /// Counts how often each iteration ran.
    private final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var counts: [Int]
        init(_ n: Int) { counts = Array(repeating: 0, count: n) }
        func hit(_ i: Int) { lock.lock(); counts[i] += 1; lock.unlock() }
        var values: [Int] { lock.lock(); defer { lock.unlock() }; return counts }
    }

    private func assertEachOnce(_ team: WorkerTeam, iterations n: Int, file: StaticString = #filePath, line: UInt = #line) {
        let tally = Tally(n)
        team.run(iterations: n) { i in
            if i % 3 == 1 { usleep(20) }
            tally.hit(i)
        }
        XCTAssertEqual(tally.values, Array(repeating: 1, count: n), "\(n) iterations", file: file, line: line)
    }

    func testEveryIterationOnceOverManyRegions() {
        for helpers in [1, 2, 3] {
            let team = WorkerTeam(helpers: helpers)
            for round in 0..<2000 { assertEachOnce(team, iterations: 1 + round % 7) }
        }
    }

    func testRegionsAfterTheHelpersSleep() {
        let saved = WorkerTeam.spinMicroseconds
        defer { WorkerTeam.spinMicroseconds = saved }
        for spin in [0, 50] {
            WorkerTeam.spinMicroseconds = spin
            let team = WorkerTeam(helpers: 1)
            for _ in 0..<20 {
                assertEachOnce(team, iterations: 2)
                usleep(2000)                  // past the spin: the helper is asleep when the next region starts
            }
        }
    }

    func testWritesOfEveryIterationAreVisibleAfterRun() {
        let team = WorkerTeam(helpers: 1)
        var out = [Int](repeating: 0, count: 64)
        for round in 1...500 {
            out.withUnsafeMutableBufferPointer { p in
                let base = p.baseAddress!
                team.run(iterations: 2) { t in
                    for j in stride(from: t, to: 64, by: 2) { base[j] = round * 100 + j }
                }
            }
            XCTAssertEqual(out, (0..<64).map { round * 100 + $0 })
        }
    }

    func testNestedAndConcurrentCallsFallBack() {
        let team = WorkerTeam(helpers: 1)
        let inner = Tally(6)
        team.run(iterations: 2) { t in
            team.run(iterations: 3) { i in inner.hit(t * 3 + i) }    // busy team: concurrentPerform
        }
        XCTAssertEqual(inner.values, Array(repeating: 1, count: 6))
        let tallies = (0..<4).map { _ in Tally(5) }
        DispatchQueue.concurrentPerform(iterations: 4) { c in
            for _ in 0..<200 {
                let tally = Tally(5)
                team.run(iterations: 5) { i in tally.hit(i) }
                if tally.values != Array(repeating: 1, count: 5) { tallies[c].hit(0) }
            }
        }
        XCTAssertEqual(tallies.map { $0.values[0] }, [0, 0, 0, 0], "a region ran an iteration other than once")
    }

    func testDisabledIsConcurrentPerform() {
        let saved = WorkerTeam.enabled
        defer { WorkerTeam.enabled = saved }
        WorkerTeam.enabled = false
        assertEachOnce(WorkerTeam(helpers: 1), iterations: 4)
        assertEachOnce(WorkerTeam(helpers: 0), iterations: 3)
    }

    /// Which iterations the calling thread ran, each iteration checked to run once.
    private func callerIterations(iterations n: Int, _ run: ((Int) -> Void) -> Void) -> [Int] {
        let tally = Tally(n), onCaller = Tally(n), caller = pthread_self()
        run { i in
            if i % 2 == 1 { usleep(30) }
            tally.hit(i)
            if pthread_equal(pthread_self(), caller) != 0 { onCaller.hit(i) }
        }
        XCTAssertEqual(tally.values, Array(repeating: 1, count: n), "\(n) iterations")
        return onCaller.values.enumerated().filter { $0.element == 1 }.map(\.offset)
    }

    /// `fromBothEnds`: on the team and on concurrentPerform, every iteration once and the caller's a prefix 0..<k (the
    /// others take the back); in order (the default) the helper's are not always a suffix.
    func testBothEndsGivesTheCallerAPrefix() {
        let team = WorkerTeam(helpers: 1)
        for teamOn in [true, false] {
            WorkerTeam.enabled = teamOn
            for round in 0..<300 {
                let n = 2 + round % 9
                let mine = callerIterations(iterations: n) { body in
                    if teamOn { team.run(iterations: n, fromBothEnds: true, body) } else { WorkerTeam.run(iterations: n, fromBothEnds: true, body) }
                }
                XCTAssertEqual(mine, Array(0..<mine.count), "team \(teamOn), \(n) iterations: the caller's are a prefix")
            }
        }
    }

    /// `during` turns the team on for its body only (nested calls too), and regions after it (helpers parked) still run
    /// every iteration once.
    func testDuringTurnsTheTeamOnAndParksIt() {
        WorkerTeam.enabled = false
        XCTAssertFalse(WorkerTeam.isOn)
        let regions = Tally(1)
        WorkerTeam.during {
            XCTAssertTrue(WorkerTeam.isOn)
            WorkerTeam.during { XCTAssertTrue(WorkerTeam.isOn) }
            XCTAssertTrue(WorkerTeam.isOn)
            for _ in 0..<200 { WorkerTeam.run(iterations: 3) { _ in regions.hit(0) } }
        }
        XCTAssertFalse(WorkerTeam.isOn)
        XCTAssertEqual(regions.values, [600])
        for _ in 0..<20 {
            WorkerTeam.during { assertEachOnce(WorkerTeam.shared, iterations: 4) }
            usleep(500)
        }
    }

    /// `during(whenIdle:)`'s signal: the machine's runnable threads, the caller among them (Linux).
    func testRunnableThreadsCountsTheCaller() {
        let r = WorkerTeam.runnableThreads()
        XCTAssertGreaterThanOrEqual(r, 1)
        XCTAssertLessThan(r, 1 << 20)
        // Either way the body runs once and the team is off after it.
        WorkerTeam.enabled = false
        var calls = 0
        WorkerTeam.during(whenIdle: true) { calls += 1 }
        XCTAssertEqual(calls, 1)
        XCTAssertFalse(WorkerTeam.isOn)
    }

    /// The back-off's signal: the thread's involuntary context switches, read without failing and never decreasing.
    func testInvoluntarySwitchesCount() {
        let a = WorkerTeam.involuntarySwitches()
        for _ in 0..<100 { sched_yield() }
        let b = WorkerTeam.involuntarySwitches()
        XCTAssertGreaterThanOrEqual(a, 0)
        XCTAssertGreaterThanOrEqual(b, a)
    }
}
