/// Bad input to fine-tuning (cache, weights, head file, checkpoint): says what is wrong and how to fix it.
public struct FineTuneError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
