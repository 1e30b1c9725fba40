import Dispatch

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
