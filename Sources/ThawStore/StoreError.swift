/// Bad data or I/O in a cache: names the file, what is wrong, and how to fix it.
public enum StoreError: Error, CustomStringConvertible {
    case io(path: String, problem: String, fix: String)
    case manifestMismatch(path: String, fields: [String])
    case badRecord(path: String, key: String, problem: String)

    public var description: String {
        switch self {
        case let .io(path, problem, fix):
            return "\(path): \(problem). Fix: \(fix)."
        case let .manifestMismatch(path, fields):
            return "\(path): the existing cache was written with a different manifest; differing fields:\n"
                + fields.map { "  - \($0)" }.joined(separator: "\n")
                + "\nFix: write to a new directory, or rerun with the settings the cache was made with."
        case let .badRecord(path, key, problem):
            return "\(path): record \(key): \(problem). Fix: run `thaw cache verify` and re-extract the listed indices."
        }
    }
}
