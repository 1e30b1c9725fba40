import Foundation

/// Bad data or failed I/O in an input: names the file, what is wrong, and how to fix it.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file or folder at fault (a path, or `path:line` for a row).
    public var file: String
    /// What is wrong with it.
    public var problem: String
    /// What the user can do about it.
    public var fix: String

    public init(file: String, problem: String, fix: String) {
        self.file = file
        self.problem = problem
        self.fix = fix
    }

    public var description: String { "\(file): \(problem) — \(fix)" }
}

/// What a run does with a sample that cannot be read or decoded.
public enum OnError: String, Codable, Sendable {
    /// Throw the first error.
    case stop
    /// Record the file and the reason in a `SkipLog` and go on.
    case skip
}

/// Every file skipped under `OnError.skip`, with why. Thread-safe.
public final class SkipLog: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public var index: Int
        public var error: InputError
    }
    private let lock = NSLock()
    private var storage: [Entry] = []

    public init() {}

    public func record(index: Int, _ error: InputError) {
        lock.lock(); storage.append(Entry(index: index, error: error)); lock.unlock()
    }

    /// Entries sorted by sample index.
    public var entries: [Entry] {
        lock.lock(); defer { lock.unlock() }
        return storage.sorted { $0.index < $1.index }
    }
}
