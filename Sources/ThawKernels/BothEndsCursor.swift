import Dispatch
import Foundation
import Synchronization

/// `WorkerTeam.run(fromBothEnds:)` on concurrentPerform: each of its n calls claims one iteration, the calling
/// thread's from the front and the pool threads' from the back (one word: lo << 32 | hi).
final class BothEndsCursor: @unchecked Sendable {
    private let word: Atomic<Int>
    private let caller = pthread_self()

    init(iterations n: Int) { word = Atomic(n) }

    func perform(_ work: (Int) -> Void) {
        DispatchQueue.concurrentPerform(iterations: word.load(ordering: .relaxed)) { _ in
            let front = pthread_equal(pthread_self(), caller) != 0
            var w = word.load(ordering: .relaxed)
            while true {
                let lo = w >> 32, hi = w & 0xFFFF_FFFF     // n calls claim n iterations: lo < hi here
                let (exchanged, original) = word.compareExchange(expected: w, desired: front ? w + (1 << 32) : w - 1,
                                                                 ordering: .relaxed)
                if exchanged { return work(front ? lo : hi - 1) }
                w = original
            }
        }
    }
}
