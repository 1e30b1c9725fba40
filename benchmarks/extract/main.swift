import Foundation

// Times SHA-256 of a 20 MB file (the weight-file hash in `thaw extract`) against coreutils' sha256sum.
// Run: benchmarks/extract/sha256.sh
let path = NSTemporaryDirectory() + "thaw-sha256-bench.bin"
let bytes = (0..<(20 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 11) }
try! Data(bytes).write(to: URL(fileURLWithPath: path))
defer { try? FileManager.default.removeItem(atPath: path) }
var best = Double.infinity, digest = ""
for _ in 0..<5 {
    let t = Date()
    digest = try! SHA256.hex(ofFile: path)
    best = min(best, Date().timeIntervalSince(t))
}
print(String(format: "SHA256 of 20 MiB: best of 5 %.3f s (%.0f MB/s) %@", best, 20.0 * 1.048576 / best, digest))
let p = Process()
p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
p.arguments = [path]
let t = Date()
try! p.run(); p.waitUntilExit()
print(String(format: "sha256sum: %.3f s", Date().timeIntervalSince(t)))
