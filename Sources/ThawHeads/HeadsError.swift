/// Bad data handed to the head trainer: says which data, what is wrong and how to fix it.
public struct HeadsError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
