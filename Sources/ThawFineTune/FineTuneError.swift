import ThawCore

/// Bad input to fine-tuning (cache, weights, head file, checkpoint): says what is wrong and how to fix it.
public struct FineTuneError: SentenceError, Equatable {
    public var problem: String
    public var fix: String
    public init(problem: String, fix: String) { self.problem = problem; self.fix = fix }
}
