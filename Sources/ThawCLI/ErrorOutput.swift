import ArgumentParser
import Foundation
import ThawCore

/// How every `thaw` command reports a failure: one line (or a list) on stderr,
/// `Error: <file>: <problem>. Fix: <fix>` for any `ThawError`, the message alone for a
/// `ValidationError` found while running, then the exit code (1, or 64 for bad arguments).
enum ErrorOutput {
    static func report(_ error: Error) -> Never {
        switch error {
        case let e as ValidationError:
            write(e.message)
            Thaw.exit(withError: ExitCode.validationFailure)
        case let e as ThawError:
            write(e.description)
            Thaw.exit(withError: ExitCode.failure)
        default:
            Thaw.exit(withError: error)
        }
    }

    private static func write(_ message: String) {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
    }
}
