import Foundation

/// Bad or missing tokenizer files. The message names the file, the fault and the fix.
public struct TextError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
