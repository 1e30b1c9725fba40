import Foundation

/// A weight file that cannot be read: names the file, what is wrong and how to fix it.
public struct WeightsError: Error, CustomStringConvertible, LocalizedError {
    /// The file (or a member inside it, `file.pt:archive/data.pkl`).
    public var file: String
    /// What is wrong, in one sentence.
    public var problem: String
    /// What the user can do about it.
    public var fix: String

    public init(file: String, problem: String, fix: String) {
        self.file = file
        self.problem = problem
        self.fix = fix
    }

    public var description: String { "\(file): \(problem). \(fix)" }
    public var errorDescription: String? { description }

    /// The usual fix for a damaged or cut-off file.
    static let redownload = "The file is damaged or truncated: download or export it again."

    static func truncated(_ file: String, _ what: String) -> WeightsError {
        WeightsError(file: file, problem: "file ends inside \(what)", fix: redownload)
    }
}
