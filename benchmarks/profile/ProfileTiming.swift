import Dispatch
import Foundation

/// Median wall time of `body` over `repeats` runs after one warm-up run; `after` runs after each
/// timed run, untimed (e.g. a workspace reset). For the per-layer profiles (benchmarks only).
func medianSeconds(repeats: Int, _ body: () -> Void, after: () -> Void = {}) -> Double {
    timedRuns(repeats: repeats, body, after: after).median
}

/// Median and fastest wall time of `body` over `repeats` runs after one warm-up run (on a loaded
/// machine the fastest run is the steadier estimate of a kernel's own speed).
func timedRuns(repeats: Int, _ body: () -> Void, after: () -> Void = {}) -> (median: Double, fastest: Double) {
    body()
    after()
    var runs: [Double] = []
    for _ in 0..<repeats {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        runs.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        after()
    }
    let sorted = runs.sorted()
    return (sorted[runs.count / 2], sorted[0])
}

/// User + system CPU seconds of this process so far, all threads (both cores' work: on a loaded machine
/// CPU time per run is not inflated by time slicing, unlike wall time).
public func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
