/// Keys of the `meta` database.
enum MetaKey {
    /// Manifest JSON (sorted keys, UTF-8).
    static let manifest = Array("manifest".utf8)
    /// "true" once every record of the shard range exists, else "false".
    static let complete = Array("complete".utf8)
    /// CRC-32C of the manifest bytes, 8 lower-case hex digits (caches written before it have none).
    static let manifestChecksum = Array("manifest-crc32c".utf8)
    static let yes = Array("true".utf8)
    static let no = Array("false".utf8)
}
