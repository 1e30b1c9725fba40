import ThawCore

/// Bad data or I/O in a cache: names the file, what is wrong, and how to fix it.
public enum StoreError: ThawError {
    case io(path: String, problem: String, fix: String)
    case manifestMismatch(path: String, fields: [String])
    case badRecord(path: String, key: String, problem: String)

    public var file: String {
        switch self {
        case let .io(path, _, _), let .manifestMismatch(path, _), let .badRecord(path, _, _): return path
        }
    }

    public var problem: String {
        switch self {
        case let .io(_, problem, _): return problem
        case let .manifestMismatch(_, fields):
            return "the existing cache was written with a different manifest; differing fields:\n"
                + fields.map { "  - \($0)\n" }.joined()
        case let .badRecord(_, key, problem): return "record \(key): \(problem)"
        }
    }

    public var fix: String {
        switch self {
        case let .io(_, _, fix): return fix
        case .manifestMismatch: return "write to a new directory, or rerun with the settings the cache was made with."
        case .badRecord: return "run `thaw cache verify` and re-extract the listed indices."
        }
    }
}
