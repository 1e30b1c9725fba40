/// An export that cannot be made: what is wrong and how to fix it.
public struct ONNXError: Error, CustomStringConvertible {
    public var problem: String
    public var fix: String

    public init(_ problem: String, fix: String) {
        self.problem = problem
        self.fix = fix
    }

    public var description: String { "\(problem). Fix: \(fix)" }
}
