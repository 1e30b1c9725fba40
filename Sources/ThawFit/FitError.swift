/// Bad input to `thaw fit` / `thaw sweep`: names the cache (or file), what is wrong and how to fix it.
public struct FitError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
