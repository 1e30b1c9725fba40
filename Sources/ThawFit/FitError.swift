import ThawCore

/// Bad input to `thaw fit` / `thaw sweep`: names the cache (or file), what is wrong and how to fix it.
public struct FitError: SentenceError, Equatable {
    public var problem: String
    public var fix: String
    public init(problem: String, fix: String) { self.problem = problem; self.fix = fix }
}
