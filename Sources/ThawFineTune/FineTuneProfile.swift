import Dispatch

/// An opt-in wall-time profile of fine-tuning by phase (off by default; `thaw-finetune-bench --profile`
/// turns it on): seconds and FLOPs per layer kind, so each phase can be read against the arithmetic
/// it does. Phases are timed on the training thread around whole kernel calls (each kernel may use
/// both cores inside), so the seconds add up to the step's wall time.
///
/// Pitfall: process-wide state, read only by benchmarks; tests must not rely on it.
public enum FineTuneProfile {
    public enum Phase: String, CaseIterable, Sendable {
        case conv1x1Forward = "1x1 conv forward"
        case depthwiseForward = "depthwise forward"
        case batchNormForward = "BN+act forward"
        case headPoolClassifier = "pool + classifier + loss"
        case conv1x1Backward = "1x1 conv backward"
        case depthwiseBackward = "depthwise backward"
        case batchNormBackward = "BN+act backward"
        case residual = "residual add/copies"
        case optimizer = "clip + optimizer"
        case batchAssembly = "batch assembly"
    }

    nonisolated(unsafe) public static var enabled = false
    nonisolated(unsafe) static var seconds = [Double](repeating: 0, count: Phase.allCases.count)
    nonisolated(unsafe) static var flops = [Double](repeating: 0, count: Phase.allCases.count)
    nonisolated(unsafe) static var calls = [Int](repeating: 0, count: Phase.allCases.count)

    /// Runs `body`, adding its wall time (and `flops`) to `phase` when profiling is on.
    @inline(__always)
    static func time<T>(_ phase: Phase, flops f: Int = 0, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let r = try body()
        let i = Phase.allCases.firstIndex(of: phase)!
        seconds[i] += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        flops[i] += Double(f)
        calls[i] += 1
        return r
    }

    public static func reset() {
        for i in seconds.indices { seconds[i] = 0; flops[i] = 0; calls[i] = 0 }
    }

    /// One line per phase: seconds, share of the profiled total, calls, GFLOP/s where FLOPs were counted.
    public static func report() -> String {
        let total = max(seconds.reduce(0, +), 1e-12)
        var lines = [String]()
        for (i, p) in Phase.allCases.enumerated() where calls[i] > 0 {
            let gf = flops[i] > 0 ? " \(format(flops[i] / seconds[i] / 1e9)) GFLOP/s" : ""
            lines.append("  \(p.rawValue.padding(toLength: 26, withPad: " ", startingAt: 0)) \(format(seconds[i])) s "
                         + "\(format(100 * seconds[i] / total))%  \(calls[i]) calls\(gf)")
        }
        lines.append("  total profiled             \(format(total)) s")
        return lines.joined(separator: "\n")
    }

    private static func format(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return "\(r)"
    }
}
