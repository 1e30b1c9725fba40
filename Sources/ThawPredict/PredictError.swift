import ThawCore

/// A prediction that cannot run: names the file, what is wrong and how to fix it.
public struct PredictError: ThawError {
    public var file: String
    public var problem: String
    public var fix: String
    public init(file: String, problem: String, fix: String) { self.file = file; self.problem = problem; self.fix = fix }
}
