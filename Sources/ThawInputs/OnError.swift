import Foundation
import ThawCore

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
        public var error: FileError
    }
    private let lock = NSLock()
    private var storage: [Entry] = []

    public init() {}

    public func record(index: Int, _ error: FileError) {
        lock.lock(); storage.append(Entry(index: index, error: error)); lock.unlock()
    }

    /// Entries sorted by sample index.
    public var entries: [Entry] {
        lock.lock(); defer { lock.unlock() }
        return storage.sorted { $0.index < $1.index }
    }
}
