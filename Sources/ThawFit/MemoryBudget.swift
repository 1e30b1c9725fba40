import Foundation

/// Parses `--memory-budget`: bytes ("1048576"), with a unit ("512M", "2G", "64K"), or a share of RAM ("25%").
public enum MemoryBudget {
    public static func parse(_ s: String) throws -> Int {
        let t = s.trimmingCharacters(in: .whitespaces).uppercased()
        if t.hasSuffix("%"), let p = Double(t.dropLast()), p >= 0 {
            return Int(Double(ProcessInfo.processInfo.physicalMemory) * p / 100)
        }
        let units: [(String, Double)] = [("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("K", 1024), ("M", 1_048_576), ("G", 1_073_741_824)]
        for (u, scale) in units where t.hasSuffix(u) {
            if let v = Double(t.dropLast(u.count)), v >= 0 { return Int(v * scale) }
        }
        if let v = Int(t), v >= 0 { return v }
        throw FitError("--memory-budget \"\(s)\": give bytes, a size like 512M or 2G, or a share of RAM like 25%")
    }
}
