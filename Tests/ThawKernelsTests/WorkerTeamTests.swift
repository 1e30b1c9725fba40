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
}
