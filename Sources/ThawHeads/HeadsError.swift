import ThawCore

/// Bad data handed to the head trainer: says which data, what is wrong and how to fix it.
public struct HeadsError: SentenceError, Equatable {
    public var problem: String
    public var fix: String
    public init(problem: String, fix: String) { self.problem = problem; self.fix = fix }
}
