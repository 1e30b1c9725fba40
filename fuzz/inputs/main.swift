// Fuzz harness for ThawInputs (not in CI): mutates real JPEG/PNG/IDX bytes and feeds them to the
// decoders. A crash ends the process; fuzz/inputs/run.sh restarts after the crashing input and counts.
//   swift build -c release --product thaw-inputs-fuzz
//   .build/release/thaw-inputs-fuzz <first-input> <count> [seed]
import Foundation
import ThawCore
import ThawInputs

let args = CommandLine.arguments
let first = Int(args.count > 1 ? args[1] : "0") ?? 0
let count = Int(args.count > 2 ? args[2] : "1000") ?? 1000
let seed = UInt64(args.count > 3 ? args[3] : "1") ?? 1
let here = (#filePath as NSString).deletingLastPathComponent
let fixtures = here + "/../../Tests/ThawInputsTests/Fixtures/decode"

// Seeds: small fixtures (fast, every PNG/JPEG variant) and the real photos and IDX labels.
var seeds: [(name: String, bytes: [UInt8], idx: Bool)] = []
for f in (try? FileManager.default.contentsOfDirectory(atPath: fixtures))?.sorted() ?? [] where f.hasSuffix(".png") || f.hasSuffix(".jpg") {
    seeds.append((f, [UInt8](FileManager.default.contents(atPath: fixtures + "/" + f)!), false))
}
for f in ["chelsea.png", "coffee.png", "dog.jpg"] {
    if let d = FileManager.default.contents(atPath: "/usr/local/share/thaw/photos/" + f) { seeds.append((f, [UInt8](d), false)) }
}
for f in ["t10k-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte"] {
    let gz = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"
    if f.hasSuffix(".gz") { if let d = FileManager.default.contents(atPath: gz) { seeds.append((f, [UInt8](d), true)) } }
    else if let d = try? FileBytes.read(gz) { seeds.append((f, [UInt8](d.prefix(2008)), true)) }   // header kept, count now wrong
}
precondition(!seeds.isEmpty, "no seed files found")

let decoder = ImageDecoder(maxPixels: 4_000_000)
let idxPath = NSTemporaryDirectory() + "thaw-fuzz-\(getpid()).idx"
var errors = 0, decoded = 0
for n in first..<(first + count) {
    var rng = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(n))
    // Real photos are slow to decode: pick them for about 1 input in 50.
    let small = seeds.filter { $0.bytes.count < 20_000 }
    let pick = rng.next() % 50 == 0 ? seeds[Int(rng.next() % UInt64(seeds.count))] : small[Int(rng.next() % UInt64(small.count))]
    var b = pick.bytes
    for _ in 0..<(1 + Int(rng.next() % 8)) {
        guard !b.isEmpty else { break }
        let at = Int(rng.next() % UInt64(b.count))
        switch rng.next() % 6 {
        case 0: b[at] ^= UInt8(1 << (rng.next() % 8))                       // bit flip
        case 1: b[at] = UInt8(truncatingIfNeeded: rng.next())               // random byte
        case 2: b.removeSubrange(at..<b.count)                               // truncate
        case 3: b.insert(contentsOf: [UInt8](repeating: 0xFF, count: Int(rng.next() % 9)), at: at)
        case 4: let len = min(Int(rng.next() % 64), b.count - at); b.insert(contentsOf: b[at..<(at + len)], at: at)  // duplicate
        default: for k in at..<min(at + 4, b.count) { b[k] = [0x00, 0xFF, 0x7F, 0x80][Int(rng.next() % 4)] }  // interesting values
        }
    }
    // Half the PNGs get their chunk CRCs recomputed, so mutations reach libpng's decoder
    // instead of stopping at the checksum.
    if pick.name.hasSuffix(".png") && rng.next() % 2 == 0 { fixPNGChecksums(&b) }
    do {
        if pick.idx {
            try Data(b).write(to: URL(fileURLWithPath: idxPath))
            _ = try IDXFile(path: idxPath)
        } else {
            let image = try decoder.decode(Data(b), file: pick.name)
            // Whatever decodes also goes through a random small preset (odd sizes, 1-pixel sides).
            let resize = 1 + Int(rng.next() % 64), crop = 1 + Int(rng.next() % UInt64(resize))
            _ = Preprocessor(.imagenet(resize: resize, crop: crop)).apply(image)
        }
        decoded += 1
    } catch is FileError {
        errors += 1
    } catch {
        errors += 1
    }
    if n % 10_000 == 0 { FileHandle.standardError.write("input \(n)\n".data(using: .utf8)!) }
}
try? FileManager.default.removeItem(atPath: idxPath)
print("inputs \(first)..<\(first + count): decoded \(decoded), rejected with an error \(errors)")

/// Recomputes the CRC of every complete chunk after the signature.
func fixPNGChecksums(_ b: inout [UInt8]) {
    var p = 8
    while p + 12 <= b.count {
        let length = Int(b[p]) << 24 | Int(b[p + 1]) << 16 | Int(b[p + 2]) << 8 | Int(b[p + 3])
        guard length >= 0, p + 12 + length <= b.count else { return }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in b[(p + 4)..<(p + 8 + length)] {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        crc ^= 0xFFFF_FFFF
        let at = p + 8 + length
        b[at] = UInt8(crc >> 24); b[at + 1] = UInt8((crc >> 16) & 0xFF); b[at + 2] = UInt8((crc >> 8) & 0xFF); b[at + 3] = UInt8(crc & 0xFF)
        p += 12 + length
    }
}
