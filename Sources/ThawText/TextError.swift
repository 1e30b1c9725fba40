import Foundation
import ThawCore

/// Bad or missing tokenizer files. The message names the file, the fault and the fix.
public struct TextError: SentenceError {
    public var problem: String
    public var fix: String
    public init(problem: String, fix: String) { self.problem = problem; self.fix = fix }
}
