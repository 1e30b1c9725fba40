import Foundation
import ThawCore
import ThawFit
import ThawHeads
import ThawTraining

/// `thaw-fit-bench --sweep CACHE --alternate KNOB=a,b,N [--weight-decay W,…] [--tap T]`: the same
/// `thaw sweep` (8 learning rates × the weight decays, best on validation, tested) run 2N times in one
/// process, the knob alternating a, b, a, b, …; prints wall and CPU seconds per run, the medians
/// and a fingerprint of every row's validation loss and the test metrics (equal when the knob
/// changes no float). Knobs: adamw-simd (`AdamWStep.vectorized`), decode-only-tap (`TapData.decodesOnlyItsTap`),
/// crc-hardware (`CRC32C.usesHardware`), adamw-avx512 (`AdamWStep.usesAVX512`). Output is flushed per line (runs take minutes).
enum SweepAlternation {
    static func run(_ args: [String]) throws {
        var cache = "", knob = "", values: [Int] = [], rounds = 3
        var q = SweepRequest(cache: "")
        q.axes.weightDecays = [0, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--alternate":
                let parts = args[i + 1].split(separator: "=")
                knob = String(parts[0])
                let v = parts[1].split(separator: ",").map { Int($0)! }
                values = [v[0], v[1]]; rounds = v[2]
            case "--weight-decay": q.axes.weightDecays = args[i + 1].split(separator: ",").map { Float(String($0))! }
            case "--tap": q.axes.taps = [args[i + 1]]
            default: cache = args[i]; i -= 1
            }
            i += 2
        }
        q.cache = cache
        let set: (Int) -> Void
        switch knob {
        case "adamw-simd": set = { AdamWStep.vectorized = $0 != 0 }
        case "decode-only-tap": set = { TapData.decodesOnlyItsTap = $0 != 0 }
        case "crc-hardware": set = { CRC32C.usesHardware = $0 != 0 }
        case "adamw-avx512": set = { AdamWStep.usesAVX512 = $0 != 0 }
        default: fatalError("unknown knob \(knob): adamw-simd, adamw-avx512, decode-only-tap, crc-hardware")
        }
        setvbuf(stdout, nil, _IOLBF, 0)
        var wall: [Int: [Double]] = [:], cpu: [Int: [Double]] = [:]
        for r in 0..<rounds {
            for v in values {
                set(v)
                let c0 = cpuSeconds(), t0 = Date()
                let o = try SweepRun.run(q)
                let w = Date().timeIntervalSince(t0), c = cpuSeconds() - c0
                wall[v, default: []].append(w); cpu[v, default: []].append(c)
                var h: UInt64 = 1469598103934665603
                for row in o.rows { h = (h ^ row.validation.loss.bitPattern) &* 1099511628211 }
                h = (h ^ (o.test?.loss.bitPattern ?? 0)) &* 1099511628211
                let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
                print(String(format: "round %d %@=%d wall %.2f s cpu %.2f s best %d val %.4f test %.4f rows-hash %016llx load %@",
                             r, knob, v, w, c, o.best, o.rows[o.best].validation.top1, o.test?.top1 ?? 0, h, load))
            }
        }
        func median(_ x: [Double]) -> Double { let s = x.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
        let ratios = (0..<rounds).map { wall[values[0]]![$0] / wall[values[1]]![$0] }
        let cpuRatios = (0..<rounds).map { cpu[values[0]]![$0] / cpu[values[1]]![$0] }
        for v in values {
            print(String(format: "%@=%d: median wall %.2f s, median cpu %.2f s", knob, v, median(wall[v]!), median(cpu[v]!)))
        }
        print(String(format: "{\"knob\":\"%@\",\"rounds\":%d,\"wall_ratio_median\":%.3f,\"cpu_ratio_median\":%.3f}",
                     knob, rounds, median(ratios), median(cpuRatios)))
    }

    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(0, &u)   // RUSAGE_SELF
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
}
