import ArgumentParser
import Foundation
import ThawStore

extension Thaw {
    /// ArgumentParser's `main`, with two changes:
    /// - `--option -5` is read as `--option=-5`. Left alone, the parser takes `-5` for a short flag
    ///   and answers "Missing value for --option" instead of the option's own check ("--limit must
    ///   be ≥ 1"). No Thaw argument is a negative positional number.
    /// - A `ValidationError` thrown while a command runs (a bad value found once data is read)
    ///   prints its message alone: the usage text of the root command ("Usage: thaw <subcommand>")
    ///   would only bury it. Errors from `validate()` still come with the command's usage.
    /// - Every error a command throws is printed by `ErrorOutput`, the same way for every command.
    /// - A fatal signal inside LMDB (a damaged cache) ends with a message and status 74 (`CacheCrashGuard`).
    static func main() {
        CacheCrashGuard.install()
        let command: ParsableCommand
        do { command = try parseAsRoot(joiningNegativeNumbers(Array(CommandLine.arguments.dropFirst()))) } catch {
            exit(withError: error)
        }
        var running = command
        do { try running.run() } catch {
            ErrorOutput.report(error)
        }
    }

    static func joiningNegativeNumbers(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a.hasPrefix("--"), a.count > 2, !a.contains("="), i + 1 < arguments.count, isNegativeNumber(arguments[i + 1]) {
                out.append(a + "=" + arguments[i + 1])
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }

    /// "-5", "-0.1", "-1e-3", "-inf", also a comma list starting with one ("-1,2").
    private static func isNegativeNumber(_ s: String) -> Bool {
        guard s.hasPrefix("-"), let first = s.split(separator: ",").first else { return false }
        return Double(first) != nil
    }
}
