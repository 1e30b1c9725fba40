import ThawCore

extension Manifest {
    /// CRC-32C (8 hex digits) of the canonical manifest bytes: equal manifests, equal fingerprints.
    public var fingerprint: String {
        let hex = String(CRC32C.checksum(encoded()), radix: 16)
        return "crc32c:" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
