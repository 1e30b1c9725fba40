/// A cache whose LMDB structure (the B-tree pages of `data.mdb`, not the records' bytes) is damaged:
/// LMDB cannot safely read it, so nothing in it is read. Found by `LMDBPageWalk` when the cache is opened.
public struct CacheDamage: Error, CustomStringConvertible, Equatable {
    /// The cache folder.
    public let path: String
    /// The first damaged page found, when one page is to blame.
    public let page: Int?
    /// What is wrong with it.
    public let problem: String

    public var description: String {
        "\(path): the cache's LMDB structure is damaged (\(page.map { "page \($0)" } ?? "B-tree records")): \(problem). "
            + "Nothing was read from it. Fix: \(Self.fix(path))."
    }

    /// What to do about a damaged cache at `path` (also part of the crash guard's message).
    public static func fix(_ path: String) -> String {
        "restore the cache folder from a copy, or re-extract it into a new folder with `thaw extract` and the settings "
            + "it was made with (`thaw cache info` on the copy, or the run's record, lists them); for one shard of a "
            + "sharded extraction re-extract that shard (`thaw extract --shard i/N`) and run `thaw cache merge` again. "
            + "Never extract into the damaged folder: delete it first"
    }
}
