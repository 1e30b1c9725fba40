/// Bad data or failed I/O: names the file, what is wrong, and how to fix it.
public struct FileError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var problem: String
    public var fix: String

    public init(file: String, problem: String, fix: String) {
        self.file = file; self.problem = problem; self.fix = fix
    }

    public var description: String { "\(file): \(problem) — \(fix)" }
}
