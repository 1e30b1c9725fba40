import Foundation

/// Runs `count` inputs per class in worker processes of `batch` inputs; a worker that dies of a
/// signal, traps or breaks an invariant is a crash: it is reported and the batch resumes after it.
struct FuzzDriver {
    /// Inputs `first..<first + count` of each class (split a long run over processes with --first).
    var first = 0
    var count: Int
    var seed: UInt64
    var batch: Int

    /// Prints one line per class (inputs, accepted, refused, crashes, seconds); true when no crash.
    func run(_ classes: [String]) -> Bool {
        let scratch = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()) + "thaw-fuzz-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        setvbuf(stdout, nil, _IOLBF, 0)   // one line per class as it ends, also into a file
        var clean = true
        print("class       inputs   accepted    refused  crashes  seconds  (seed \(seed), inputs \(first)..<\(first + count))")
        for name in classes {
            let start = Date()
            var next = first, accepted = 0, refused = 0
            var crashes: [String] = []
            while next < first + count {
                let n = min(batch, first + count - next)
                let dir = scratch + "/\(name)-\(next)"
                let (status, signalled, out, err) = worker(name, first: next, count: n, scratch: dir)
                try? FileManager.default.removeItem(atPath: dir)
                if status == 0 && !signalled {
                    let parts = out.split(separator: " ")
                    if parts.count == 4 { accepted += Int(parts[1]) ?? 0; refused += Int(parts[3]) ?? 0 }
                    next += n
                    continue
                }
                if status == 2 && !signalled {  // setup failed: no seeds
                    print("\(name): the worker could not start: \(err)")
                    return false
                }
                let at = lastInput(dir + ".progress") ?? next
                crashes.append("input \(at) (thaw-fuzz one \(name) \(at) --seed \(seed)): \(signalled ? "signal \(status)" : "exit \(status)") \(err.suffix(400))")
                try? FileManager.default.removeItem(atPath: dir + ".progress")
                next = at + 1
            }
            let seconds = Date().timeIntervalSince(start)
            print(name.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: " %8d %10d %10d %8d %8.1f", count, accepted, refused, crashes.count, seconds))
            for c in crashes { print("  CRASH \(c)") }
            clean = clean && crashes.isEmpty
        }
        return clean
    }

    private func worker(_ name: String, first: Int, count: Int, scratch: String) -> (Int32, Bool, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        p.arguments = ["worker", name, String(first), String(count), String(seed), scratch, scratch + ".progress"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { return (2, false, "", "\(error)") }
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: o, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let progress = scratch + ".progress"
        if p.terminationReason == .exit && p.terminationStatus == 0 { try? FileManager.default.removeItem(atPath: progress) }
        return (p.terminationStatus, p.terminationReason == .uncaughtSignal, text.split(separator: "\n").last.map(String.init) ?? "",
                String(decoding: e, as: UTF8.self))
    }

    private func lastInput(_ file: String) -> Int? {
        guard let d = FileManager.default.contents(atPath: file), d.count >= 8 else { return nil }
        return Int(d.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) })
    }
}
