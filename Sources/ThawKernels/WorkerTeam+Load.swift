import Foundation

/// How `WorkerTeam` tells a loaded machine: the runnable threads at the start of a call (`during(whenIdle:)`) and a
/// thread's involuntary context switches while it waits (`backsOff`).
extension WorkerTeam {
    /// Whether the team is worth waking for the next call: no back-off in the last `idleProbeInterval` calls, and no
    /// thread runnable but the caller (`/proc/loadavg`'s running count is 1). On a loaded machine a helper kept awake
    /// between regions runs late: a woken thread that spun has used its share of the core, so the scheduler lets it wait
    /// for the next tick (4 ms here) where a pool thread that slept runs at once (ResNet-50 batch 1 at load 4–6: wake
    /// median 4 ms on the team, 3 µs on concurrentPerform; benchmarks/backbones/README.md).
    static func looksIdle() -> Bool {
        if skipsLeft.load(ordering: .relaxed) > 0 {
            skipsLeft.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return runnableThreads() == 1
    }

    /// The machine's runnable threads now, the caller included (`/proc/loadavg`'s fourth field, "running/total");
    /// Int.max where it cannot be read (not Linux): the team stays off.
    static func runnableThreads() -> Int {
        let fd = open("/proc/loadavg", O_RDONLY)
        guard fd >= 0 else { return .max }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { buffer -> Int in
            let count = read(fd, buffer.baseAddress!, 128)
            guard count > 0 else { return .max }
            var spaces = 0, value = 0, digits = 0
            for byte in buffer.prefix(count) {
                if spaces < 3 {
                    if byte == UInt8(ascii: " ") { spaces += 1 }
                } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    value = value * 10 + Int(byte - UInt8(ascii: "0")); digits += 1
                } else {
                    break
                }
            }
            return digits > 0 ? value : .max
        }
    }

    /// The calling thread's involuntary context switches so far (a `sched_yield` that let another thread run counts).
    static func involuntarySwitches() -> Int {
        var usage = rusage()
        getrusage(1, &usage)           // RUSAGE_THREAD (Linux; not imported without _GNU_SOURCE)
        return usage.ru_nivcsw
    }
}
