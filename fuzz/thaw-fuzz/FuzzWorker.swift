import Foundation
import ThawCore

/// Runs inputs `first..<first+count` of one class in this process. Before each input its number is
/// written to the progress file, so the driver knows which input a dead worker was running.
enum FuzzWorker {
    /// Exit status of a worker that found a broken invariant (a crash of another kind).
    static let invariantStatus: Int32 = 3

    static func run(_ name: String, first: Int, count: Int, seed: UInt64, scratch: String, progress: String, verbose: Bool = false) -> Int32 {
        do {
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            var target = try FuzzClasses.make(name, scratch: scratch)
            let fd = open(progress, O_WRONLY | O_CREAT, 0o644)
            guard fd >= 0 else { throw FuzzSetupError("cannot write \(progress)") }
            defer { close(fd) }
            var refused = 0, accepted = 0
            for n in first..<(first + count) {
                var number = Int64(n)
                _ = pwrite(fd, &number, 8, 0)
                var rng = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(n) &* 0xD1B5_4A32_D192_ED03)
                do { try target.run(&rng); accepted += 1 } catch {
                    refused += 1
                    if verbose { print("refused: \(error)") }
                }
            }
            print("accepted \(accepted) refused \(refused)")
            return 0
        } catch {
            FileHandle.standardError.write(Data("thaw-fuzz \(name): \(error)\n".utf8))
            return 2
        }
    }

    /// A broken invariant (wrong result without a crash, e.g. a folder listed twice): report and stop.
    static func invariant(_ message: String) -> Never {
        FileHandle.standardError.write(Data("invariant broken: \(message)\n".utf8))
        exit(invariantStatus)
    }
}
