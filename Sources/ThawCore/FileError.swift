/// Bad data or failed I/O in a file: names the file, what is wrong, and how to fix it. Inputs, weight
/// files, extraction and data sources all throw it.
public struct FileError: ThawError, Sendable, Equatable {
    /// The file or folder at fault (a path, `path:line` for a row, `file.pt:archive/data.pkl` for a member).
    public var file: String
    /// What is wrong with it, in one sentence.
    public var problem: String
    /// What the user can do about it.
    public var fix: String

    public init(file: String, problem: String, fix: String) {
        self.file = file; self.problem = problem; self.fix = fix
    }
}
