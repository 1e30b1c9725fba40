import Foundation

/// A progress line for long jobs: count, rate, ETA. Redraws in place on a terminal
/// (stderr), prints a plain line every `plainInterval` seconds otherwise (logs, Slurm).
final class ProgressBar {
    private let label: String
    private let total: Int
    private let start: Date
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastDraw = Date.distantPast
    private let plainInterval: TimeInterval
    private(set) var done: Int
    private let startCount: Int
    var extra: String = ""   // e.g. "committed 1200"

    /// `startedAt`: when the counted work began (a bar made after its first item passes the time before it).
    init(_ label: String, total: Int, alreadyDone: Int = 0, plainInterval: TimeInterval = 10, startedAt: Date = Date()) {
        self.start = startedAt
        self.label = label
        self.total = total
        self.done = alreadyDone
        self.startCount = alreadyDone
        self.plainInterval = plainInterval
    }

    func advance(by n: Int = 1) {
        done += n
        let now = Date()
        let interval = isTerminal ? 0.1 : plainInterval
        if now.timeIntervalSince(lastDraw) >= interval || done >= total {
            lastDraw = now
            draw(now, final: done >= total)
        }
    }

    /// The last line: the whole run's rate, and `extra` as it stands now (redrawn when it changed).
    func finish() {
        if isTerminal || drawnCount != done || drawnExtra != extra || !drawnFinal { draw(Date(), final: true) }
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private var drawnCount = -1
    private var drawnExtra = ""
    private var drawnFinal = false

    private func draw(_ now: Date, final: Bool = false) {
        drawnCount = done
        drawnExtra = extra
        drawnFinal = final
        let elapsed = max(now.timeIntervalSince(start), 1e-9)
        let rate = Double(done - startCount) / elapsed
        let remaining = done >= total ? 0 : rate > 0 ? Double(total - done) / rate : .infinity
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        // The first second's rate is noise (one item over a few milliseconds): show it once it means
        // something, or when the run is over (then it is the whole run's rate, however short).
        let settled = elapsed >= 1 || final
        var line = "\(label) \(done)/\(total) " + String(format: "%5.1f%%", fraction * 100)
        line += settled ? String(format: " %.1f/s", rate) : " --/s"
        line += " elapsed \(Self.clock(elapsed)) eta \(settled && remaining.isFinite ? Self.clock(remaining) : "--:--")"
        if !extra.isEmpty { line += " " + extra }
        if isTerminal {
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(bar) \(line)".utf8))
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%02d:%02d", s / 60, s % 60)
    }
}
