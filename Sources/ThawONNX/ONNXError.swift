import ThawCore

/// An export that cannot be made: what is wrong and how to fix it.
public struct ONNXError: ThawError {
    public var problem: String
    public var fix: String
    public var file: String { "" }

    public init(_ problem: String, fix: String) {
        self.problem = problem
        self.fix = fix
    }
}
