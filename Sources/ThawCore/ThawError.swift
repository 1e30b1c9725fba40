import Foundation

/// The one error shape of Thaw: which file (or input) is at fault, what is wrong, and how to fix it.
/// Every module's error conforms, and `thaw` prints them all one way (`description`):
///
///     <file>: <problem>. Fix: <fix>
///
/// `file` is "" when the problem names its subject itself, `fix` "" when there is nothing to add.
/// Errors written as one sentence (`FitError("x: y. Fix: z")`) conform through `SentenceError`,
/// which splits the fix off, so they print exactly as written.
public protocol ThawError: Error, CustomStringConvertible, LocalizedError {
    var file: String { get }
    var problem: String { get }
    var fix: String { get }
}

extension ThawError {
    public var description: String { ThawErrorText.render(file: file, problem: problem, fix: fix) }
    public var errorDescription: String? { description }
}

/// A `ThawError` made from one sentence: the problem, then optionally ". Fix: " and the fix.
public protocol SentenceError: ThawError {
    init(problem: String, fix: String)
}

extension SentenceError {
    public init(_ message: String) {
        let (problem, fix) = ThawErrorText.split(message)
        self.init(problem: problem, fix: fix)
    }

    public var file: String { "" }
}

/// How the parts of a `ThawError` are joined and split.
public enum ThawErrorText {
    static let fixMarker = "Fix: "

    /// `file: problem. Fix: fix` — no "." doubled after a problem ending in ".", "!" or "?"; a problem
    /// ending in a new line (a list) is followed by "Fix:" directly.
    public static func render(file: String, problem: String, fix: String) -> String {
        var text = file.isEmpty ? problem : "\(file): \(problem)"
        guard !fix.isEmpty else { return text }
        switch problem.last {
        case "\n"?: break
        case "."?, "!"?, "?"?: text += " "
        default: text += ". "
        }
        return text + fixMarker + fix
    }

    /// Splits a sentence at its first ". Fix: " into (problem, fix); a sentence without one is all problem.
    public static func split(_ message: String) -> (problem: String, fix: String) {
        guard let r = message.range(of: ". " + fixMarker) else { return (message, "") }
        return (String(message[..<r.lowerBound]), String(message[r.upperBound...]))
    }
}
