import Foundation

/// Python site-packages folders where pip puts the packaged weights and data sets.
///
/// Order: THAW_SITE_PACKAGES (colon-separated), the folders `scripts/deps.sh` recorded in
/// `<share>/site-packages` (the project virtual environment it installed into), the active
/// virtualenv, then what `python3` reports (asked once per process), then the usual system folders.
/// The record comes before any interpreter so that another active virtualenv cannot hide the weights.
public enum SitePackages {
    public static func roots() -> [String] { cached }

    /// The file `scripts/deps.sh` writes: one site-packages folder per line.
    public static var recordPath: String { AssetPaths.shareDirectory + "/site-packages" }

    private static let cached: [String] = {
        var roots: [String] = []
        let env = ProcessInfo.processInfo.environment
        if let extra = env["THAW_SITE_PACKAGES"] {
            roots += extra.split(separator: ":").map(String.init)
        }
        roots += recorded(at: recordPath)
        if let venv = env["VIRTUAL_ENV"] {
            roots += globSitePackages("\(venv)/lib")
        }
        roots += askPython()
        roots += globSitePackages("/usr/local/lib") + globSitePackages("/usr/lib")
        var seen = Set<String>()
        return roots.filter { seen.insert($0).inserted }
    }()

    /// Folders listed in the deps.sh record that still exist (a deleted checkout's venv is passed over).
    static func recorded(at path: String) -> [String] {
        recordLines(at: path).filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Folders the deps.sh record lists that no longer exist (a moved or deleted checkout): `thaw doctor` names them.
    public static func staleRecords() -> [String] {
        recordLines(at: recordPath).filter { !FileManager.default.fileExists(atPath: $0) }
    }

    private static func recordLines(at path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    private static func globSitePackages(_ lib: String) -> [String] {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: lib) else { return [] }
        return entries.filter { $0.hasPrefix("python3") }.sorted().flatMap { py in
            ["site-packages", "dist-packages"].map { "\(lib)/\(py)/\($0)" }.filter { fm.fileExists(atPath: $0) }
        }
    }

    private static func askPython() -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c",
            "import site,sys; print('\\n'.join(site.getsitepackages()+[site.getusersitepackages()]))"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
