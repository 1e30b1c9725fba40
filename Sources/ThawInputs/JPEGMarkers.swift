/// The few JPEG header facts libjpeg-turbo does not report: the Exif orientation (APP1) and
/// whether an Adobe (APP14) segment is present. Every read is bounds-checked; junk yields nils.
struct JPEGMarkers {
    var orientation: Int?
    var adobe = false

    static func scan(_ b: UnsafeRawBufferPointer) -> JPEGMarkers {
        var result = JPEGMarkers()
        var p = 2  // after SOI
        while p + 4 <= b.count {
            guard b[p] == 0xFF else { break }
            let marker = b[p + 1]
            if marker == 0xFF { p += 1; continue }          // fill byte
            if marker == 0xDA || marker == 0xD9 { break }   // start of scan / end: headers are over
            let length = Int(b[p + 2]) << 8 | Int(b[p + 3])
            guard length >= 2, p + 2 + length <= b.count else { break }
            let body = p + 4, bodyLength = length - 2
            if marker == 0xE1, result.orientation == nil, bodyLength >= 14,
               Array(b[body..<(body + 6)]) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                result.orientation = exifOrientation(UnsafeRawBufferPointer(rebasing: b[(body + 6)..<(body + bodyLength)]))
            }
            if marker == 0xEE, bodyLength >= 5, Array(b[body..<(body + 5)]) == Array("Adobe".utf8) {
                result.adobe = true
            }
            p += 2 + length
        }
        return result
    }

    /// Tag 0x0112 in IFD0 of a TIFF structure.
    static func exifOrientation(_ t: UnsafeRawBufferPointer) -> Int? {
        guard t.count >= 8 else { return nil }
        let little: Bool
        if t[0] == 0x49 && t[1] == 0x49 { little = true } else if t[0] == 0x4D && t[1] == 0x4D { little = false } else { return nil }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= t.count else { return nil }
            return little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for i in 0..<count {
            let entry = ifd + 2 + 12 * i
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112 {
                guard u16(entry + 2) == 3, let value = u16(entry + 8), (1...8).contains(value) else { return nil }
                return value
            }
        }
        return nil
    }
}
