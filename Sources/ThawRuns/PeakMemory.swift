import Foundation
import ThawCore

/// Process memory from /proc/self/status (Linux).
public enum PeakMemory {
    /// Peak resident set size (VmHWM) in bytes, or nil where /proc is unavailable.
    public static func residentBytes() -> Int? { read("VmHWM:") }
    /// Current resident set size (VmRSS) in bytes.
    public static func currentResidentBytes() -> Int? { read("VmRSS:") }

    private static func read(_ key: String) -> Int? {
        guard let text = ProcFile.read("/proc/self/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kb = Int(fields[1]) { return kb * 1024 }
        }
        return nil
    }
}
