import Foundation
import ThawCore

/// A minimal read-only ZIP reader for PyTorch archives: end-of-central-directory (with ZIP64),
/// central directory, local headers. Members must be stored (method 0), which is what torch.save
/// writes; member data is returned as slices of the mapped file.
struct ZipArchive {
    struct Member {
        var name: String
        var method: UInt16
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
    }

    let data: Data
    let file: String
    /// Members in central-directory order.
    private(set) var members: [Member] = []
    private var index: [String: Int] = [:]

    /// More entries than this is not a weight file (and would cost memory to list).
    static let maxMembers = 1_000_000

    init(_ data: Data, file: String) throws {
        self.data = data
        self.file = file
        let (cdOffset, cdSize, count) = try Self.findCentralDirectory(data, file: file)
        var r = ByteReader(data, file: file, offset: cdOffset)
        guard cdOffset <= data.count, cdSize <= data.count - cdOffset else {
            throw FileError(file: file, problem: "ZIP central directory lies outside the file", fix: FileError.redownload)
        }
        for _ in 0..<count {
            guard try r.uint(UInt32.self, "a ZIP central directory entry") == 0x0201_4B50 else {
                throw FileError(file: file, problem: "ZIP central directory entry has a bad signature", fix: FileError.redownload)
            }
            _ = try r.bytes(6, "a ZIP central directory entry")           // versions, flags
            let method = try r.uint(UInt16.self, "a ZIP central directory entry")
            _ = try r.bytes(8, "a ZIP central directory entry")           // time, date, crc
            var compressed = UInt64(try r.uint(UInt32.self, "a ZIP central directory entry"))
            var size = UInt64(try r.uint(UInt32.self, "a ZIP central directory entry"))
            let nameLength = Int(try r.uint(UInt16.self, "a ZIP central directory entry"))
            let extraLength = Int(try r.uint(UInt16.self, "a ZIP central directory entry"))
            let commentLength = Int(try r.uint(UInt16.self, "a ZIP central directory entry"))
            _ = try r.bytes(8, "a ZIP central directory entry")           // disk, attributes
            var localOffset = UInt64(try r.uint(UInt32.self, "a ZIP central directory entry"))
            let nameBytes = try r.bytes(nameLength, "a ZIP member name")
            var extra = ByteReader(Data(try r.bytes(extraLength, "a ZIP extra field")), file: file)
            _ = try r.bytes(commentLength, "a ZIP member comment")
            // ZIP64: the extended-information field holds, in order, whichever of size,
            // compressed size and offset were saturated at 0xFFFFFFFF.
            while extra.remaining >= 4 {
                let tag = try extra.uint(UInt16.self, "a ZIP64 field")
                let length = Int(try extra.uint(UInt16.self, "a ZIP64 field"))
                var field = ByteReader(Data(try extra.bytes(length, "a ZIP64 field")), file: file)
                guard tag == 0x0001 else { continue }
                if size == 0xFFFF_FFFF { size = try field.uint(UInt64.self, "a ZIP64 size") }
                if compressed == 0xFFFF_FFFF { compressed = try field.uint(UInt64.self, "a ZIP64 size") }
                if localOffset == 0xFFFF_FFFF { localOffset = try field.uint(UInt64.self, "a ZIP64 offset") }
            }
            let fileSize = UInt64(data.count)
            guard compressed <= fileSize, size <= (method == 0 ? fileSize : UInt64(Int.max / 2)), localOffset < fileSize else {
                throw FileError(file: file, problem: "ZIP member '\(String(decoding: nameBytes, as: UTF8.self))' has sizes or an offset beyond the \(data.count)-byte file",
                                fix: FileError.redownload)
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            index[name] = members.count
            members.append(Member(name: name, method: method, compressedSize: Int(compressed),
                                  size: Int(size), localHeaderOffset: Int(localOffset)))
        }
    }

    func member(named name: String) -> Member? { index[name].map { members[$0] } }

    /// The bytes of a stored member, as a slice of the file (no copy).
    func contents(of member: Member) throws -> Data {
        let where_ = "\(file):\(member.name)"
        guard member.method == 0 else {
            throw FileError(file: where_, problem: "ZIP member is compressed (method \(member.method)); Thaw reads only stored members, as torch.save writes them",
                            fix: "Re-save with torch.save(obj, path) (do not re-zip the archive with compression).")
        }
        guard member.size == member.compressedSize else {
            throw FileError(file: where_, problem: "stored ZIP member has different sizes (\(member.size) vs \(member.compressedSize))", fix: FileError.redownload)
        }
        var r = ByteReader(data, file: where_, offset: 0)
        try r.seek(to: member.localHeaderOffset, "a ZIP local header")
        guard try r.uint(UInt32.self, "a ZIP local header") == 0x0403_4B50 else {
            throw FileError(file: where_, problem: "ZIP local header has a bad signature", fix: FileError.redownload)
        }
        _ = try r.bytes(22, "a ZIP local header")
        let nameLength = Int(try r.uint(UInt16.self, "a ZIP local header"))
        let extraLength = Int(try r.uint(UInt16.self, "a ZIP local header"))
        _ = try r.bytes(nameLength + extraLength, "a ZIP local header")
        return try r.bytes(member.size, "ZIP member data")
    }

    /// Locates the central directory through the end record (and the ZIP64 end record if present).
    private static func findCentralDirectory(_ data: Data, file: String) throws -> (offset: Int, size: Int, count: Int) {
        // The end record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
        let minEnd = 22
        guard data.count >= minEnd else { throw FileError.truncated(file, "the ZIP end record") }
        var position = data.count - minEnd
        let lowest = max(0, data.count - minEnd - 65535)
        var found = -1
        while position >= lowest {
            if data[position] == 0x50, data[position + 1] == 0x4B, data[position + 2] == 0x05, data[position + 3] == 0x06 {
                found = position
                break
            }
            position -= 1
        }
        guard found >= 0 else {
            throw FileError(file: file, problem: "ZIP end-of-central-directory record not found (the archive is truncated)", fix: FileError.redownload)
        }
        var r = ByteReader(data, file: file, offset: found + 10)
        var count = UInt64(try r.uint(UInt16.self, "the ZIP end record"))
        var size = UInt64(try r.uint(UInt32.self, "the ZIP end record"))
        var offset = UInt64(try r.uint(UInt32.self, "the ZIP end record"))
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            // ZIP64 locator sits just before the end record and points at the ZIP64 end record.
            guard found >= 20 else { throw FileError.truncated(file, "the ZIP64 locator") }
            var loc = ByteReader(data, file: file, offset: found - 20)
            guard try loc.uint(UInt32.self, "the ZIP64 locator") == 0x0706_4B50 else {
                throw FileError(file: file, problem: "ZIP64 end-of-central-directory locator missing", fix: FileError.redownload)
            }
            _ = try loc.uint(UInt32.self, "the ZIP64 locator")
            let end64 = try loc.uint(UInt64.self, "the ZIP64 locator")
            guard end64 < UInt64(data.count) else { throw FileError.truncated(file, "the ZIP64 end record") }
            var e = ByteReader(data, file: file, offset: Int(end64))
            guard try e.uint(UInt32.self, "the ZIP64 end record") == 0x0606_4B50 else {
                throw FileError(file: file, problem: "ZIP64 end-of-central-directory record has a bad signature", fix: FileError.redownload)
            }
            // record size (8), versions (2+2), disk numbers (4+4), entries on this disk (8), then the totals
            _ = try e.bytes(28, "the ZIP64 end record")
            count = try e.uint(UInt64.self, "the ZIP64 end record")
            size = try e.uint(UInt64.self, "the ZIP64 end record")
            offset = try e.uint(UInt64.self, "the ZIP64 end record")
        }
        // Each central entry takes at least 46 bytes: a count the directory cannot hold is a lie.
        guard count <= UInt64(maxMembers), size <= UInt64(data.count), offset <= UInt64(data.count),
              count * 46 <= size else {
            throw FileError(file: file, problem: "ZIP end record claims \(count) entries in \(size) bytes at offset \(offset), which the \(data.count)-byte file cannot hold",
                            fix: FileError.redownload)
        }
        return (Int(offset), Int(size), Int(count))
    }
}
