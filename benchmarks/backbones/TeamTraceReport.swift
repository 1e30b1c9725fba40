import Foundation
import ThawKernels

/// `--team-trace R`: R forwards with every parallel region of `WorkerTeam.run` timed (`WorkerTeam.regionTrace`: the
/// convolution tiles, Winograd's transforms and products, the padded copies, `ParallelRows`), then per forward (medians
/// over the forwards, ms): the forward's wall, its regions and how many ran on the caller's thread alone, the regions'
/// wall summed, the time outside regions (the caller alone), the wake (region start → the first iteration another thread
/// began, summed: the other core idle while it wakes), the tail (region end − the end of the thread that finished first,
/// summed: one core waiting for the other) and the idle rest (cores × region wall − the iterations' time).
final class TeamTraceRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var regions: [TeamRegionTrace] = []
    private var forwards: [(start: UInt64, end: UInt64)] = []

    func install() { WorkerTeam.regionTrace = { [self] r in lock.lock(); regions.append(r); lock.unlock() } }

    /// Times one forward (regions are assigned to the forward whose span holds their start).
    func forward(_ body: () throws -> Void) rethrows {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        forwards.append((start, DispatchTime.now().uptimeNanoseconds))
    }

    func report(cores: Int) {
        WorkerTeam.regionTrace = nil
        func median(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.sorted()[v.count / 2] }
        func ms(_ ns: UInt64) -> Double { Double(ns) / 1e6 }
        var rows: [[Double]] = []
        var wakes: [Double] = [], tails: [Double] = []
        for f in forwards {
            let mine = regions.filter { $0.start >= f.start && $0.end <= f.end }
            var wall = 0.0, wake = 0.0, tail = 0.0, idle = 0.0, alone = 0.0, team = 0.0
            for r in mine {
                let w = ms(r.end - r.start)
                wall += w
                if r.onTeam { team += 1 }
                let others = r.iterations.filter { !$0.onCaller }
                if others.isEmpty { alone += 1 } else {
                    let first = ms(others.map(\.start).min()! - r.start)
                    wake += first; wakes.append(first)
                }
                let lastByThread = [true, false].compactMap { side in r.iterations.filter { $0.onCaller == side }.map(\.end).max() }
                let t = ms(r.end - lastByThread.min()!)
                if lastByThread.count == 2 { tail += t; tails.append(t) }
                idle += Double(cores) * w - r.iterations.reduce(0.0) { $0 + ms($1.end - $1.start) }
            }
            rows.append([ms(f.end - f.start), Double(mine.count), team, alone, wall, ms(f.end - f.start) - wall, wake, tail, idle])
        }
        let names = ["forward", "regions", "on team", "caller alone", "region wall", "outside", "wake", "tail", "idle in regions"]
        print("# team trace, \(forwards.count) forwards, medians per forward (ms or counts)")
        for (i, name) in names.enumerated() { print(String(format: "%-16@ %9.3f", name as NSString, median(rows.map { $0[i] }))) }
        let q = { (v: [Double], p: Double) in v.isEmpty ? Double.nan : v.sorted()[min(v.count - 1, Int(Double(v.count) * p))] }
        print(String(format: "# per region: wake median %.3f p90 %.3f max %.3f ms | tail median %.3f p90 %.3f max %.3f ms",
                     q(wakes, 0.5), q(wakes, 0.9), wakes.max() ?? .nan, q(tails, 0.5), q(tails, 0.9), tails.max() ?? .nan))
        // Regions by iteration count (a layer kind): count per forward, median wall, wake and tail.
        let byCount = Dictionary(grouping: regions, by: { $0.iterations.count })
        print("# iterations | regions per forward | wall ms | wake ms | tail ms (medians)")
        for (n, list) in byCount.sorted(by: { $0.key < $1.key }) {
            let w = list.map { ms($0.end - $0.start) }
            let wk = list.compactMap { r in r.iterations.filter { !$0.onCaller }.map(\.start).min().map { ms($0 - r.start) } }
            let tl = list.compactMap { r -> Double? in
                let ends = [true, false].compactMap { side in r.iterations.filter { $0.onCaller == side }.map(\.end).max() }
                return ends.count == 2 ? ms(r.end - ends.min()!) : nil
            }
            print(String(format: "%5d %6.1f %8.3f %8.3f %8.3f", n, Double(list.count) / Double(max(1, forwards.count)), median(w), median(wk), median(tl)))
        }
    }
}
