import Foundation

/// SHA-256 (FIPS 180-4), for the weight-file hash in a cache manifest.
/// Streams a file in 1 MiB reads; the compression loop allocates nothing.
public struct SHA256 {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    private var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    private var block = [UInt8](repeating: 0, count: 64)   // [64] bytes waiting for a full block
    private var blockFill = 0
    private var totalBytes: UInt64 = 0
    private var w = [UInt32](repeating: 0, count: 64)      // [64] message schedule

    public init() {}

    /// Feeds more bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var n = bytes.count
        totalBytes &+= UInt64(n)
        if blockFill > 0 {
            let take = min(64 - blockFill, n)
            for i in 0..<take { block[blockFill + i] = p.load(fromByteOffset: i, as: UInt8.self) }
            blockFill += take; p += take; n -= take
            guard blockFill == 64 else { return }   // still short of a block: nothing more to do
            let full = block   // shares storage; keeps `compress` from overlapping an access to `block`
            full.withUnsafeBytes { compress(UnsafeRawPointer($0.baseAddress!)) }
            blockFill = 0
        }
        while n >= 64 {
            compress(UnsafeRawPointer(p))
            p += 64; n -= 64
        }
        for i in 0..<n { block[i] = p.load(fromByteOffset: i, as: UInt8.self) }
        blockFill = n
    }

    public mutating func update<C: ContiguousBytes>(_ bytes: C) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The 32-byte digest (the hasher is spent afterwards).
    public mutating func finalize() -> [UInt8] {
        let bits = totalBytes &* 8
        var pad: [UInt8] = [0x80]
        let fill = (blockFill + 1) % 64
        pad += [UInt8](repeating: 0, count: fill <= 56 ? 56 - fill : 120 - fill)
        for i in (0..<8).reversed() { pad.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
        let saved = totalBytes
        update(pad)
        totalBytes = saved
        precondition(blockFill == 0, "SHA256 padding must end on a block boundary")
        var out: [UInt8] = []
        for word in h { for s in [24, 16, 8, 0] { out.append(UInt8(truncatingIfNeeded: word >> UInt32(s))) } }
        return out
    }

    /// Lower-case hex of the digest of `bytes`.
    public static func hex<C: ContiguousBytes>(of bytes: C) -> String {
        var s = SHA256()
        s.update(bytes)
        return s.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Lower-case hex of the digest of a file's contents; the error names the file.
    public static func hex(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileError(file: path, problem: "cannot be opened to compute its SHA-256", fix: "check the path and its permissions")
        }
        defer { try? handle.close() }
        var s = SHA256()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw FileError(file: path, problem: "read failed (\(error.localizedDescription))", fix: "check the disk and the file")
            }
            if chunk.isEmpty { break }
            s.update(chunk)
        }
        return s.finalize().map { String(format: "%02x", $0) }.joined()
    }

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    /// One 64-byte block (big-endian words) into the state.
    private mutating func compress(_ p: UnsafeRawPointer) {
        w.withUnsafeMutableBufferPointer { w in
            for i in 0..<16 { w[i] = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
            for i in 16..<64 {
                let s0 = Self.rotr(w[i - 15], 7) ^ Self.rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = Self.rotr(w[i - 2], 17) ^ Self.rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            Self.k.withUnsafeBufferPointer { k in
                h.withUnsafeMutableBufferPointer { h in
                    var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
                    for i in 0..<64 {
                        let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                        let ch = (e & f) ^ (~e & g)
                        let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                        let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                        let maj = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = s0 &+ maj
                        hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                    }
                    h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
                }
            }
        }
    }
}
