import Dispatch
import Foundation

/// Splits `0..<count` into contiguous ranges and runs them on all cores.
///
/// Used for the non-GEMM kernels (im2col, depthwise, pooling, epilogues); OpenBLAS has its own
/// threads for GEMMs. Small jobs run inline: a dispatch costs a few microseconds.
enum ParallelRows {
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(range)` for disjoint ranges covering `0..<count`. `grain` is the smallest
    /// number of items worth a task (aim for ≳ 20 µs of work per task).
    @inline(__always)
    static func run(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let tasks = min(cores * 4, max(1, count / max(grain, 1)))
        if tasks <= 1 || cores == 1 {
            body(0..<count)
            return
        }
        let per = (count + tasks - 1) / tasks
        WorkerTeam.run(iterations: tasks) { t in       // concurrentPerform unless the team is on (`WorkerTeam.during`)
            let lo = t * per
            let hi = min(count, lo + per)
            if lo < hi { body(lo..<hi) }
        }
    }
}
