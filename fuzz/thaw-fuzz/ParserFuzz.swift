import Foundation
import ThawBundle
import ThawCore
import ThawInputs
import ThawStore
import ThawWeights

/// IDX files (plain and gzip'd), real Fashion-MNIST prefixes and the fuzz seeds, read from a file.
struct IDXFuzz: FuzzClass {
    var seeds: [(name: String, bytes: [UInt8])]
    let path: String

    init(scratch: String) throws {
        seeds = try seedFiles("fuzz/idx/seeds")
        path = scratch + "/input.idx"
        for f in ["t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"] {   // the real data set, when installed
            if let d = FileManager.default.contents(atPath: "/usr/share/datasets/fashion-mnist/" + f), d.count < 64 << 20 {
                seeds.append((f, [UInt8](d.prefix(4096))))   // a cut gzip stream: the reader must say so
            }
        }
    }

    mutating func run(_ rng: inout SplitMix64) throws {
        var b = seeds[rng.below(seeds.count)].bytes
        if rng.chance(2) { Mutate.integer(&b, at: rng.below(min(16, max(1, b.count))), &rng) }   // dims and counts
        Mutate.bytes(&b, &rng, rounds: rng.below(4))
        try writeFile(path, b)
        let file = try IDXFile(path: path)
        _ = file.dims.reduce(0, &+)
    }
}

/// Cache manifests (JSON) and records, from a real cache's meta and the store seeds.
struct ManifestFuzz: FuzzClass {
    var manifests: [[UInt8]] = []
    var records: [(bytes: [UInt8], manifest: Manifest)] = []

    init(scratch: String) throws {
        let m = LMDBPageFuzz.manifest(count: 20, taps: [TapSpec(name: "pool", dtype: .f16, shape: [8], layout: "C"),
                                                       TapSpec(name: "map", dtype: .bf16, shape: [2, 2, 4], layout: "HWC")])
        manifests = [m.encoded()] + (try seedFiles("fuzz/store/seeds") { $0.hasSuffix(".json") }).map(\.bytes)
        records = (0..<4).map { (Record.encode(LMDBPageFuzz.sample($0, m), manifest: m), m) }
    }

    mutating func run(_ rng: inout SplitMix64) throws {
        if rng.chance(2) {
            var b = manifests[rng.below(manifests.count)]
            if rng.chance(2) { Mutate.decimal(&b, &rng) } else { Mutate.bytes(&b, &rng) }
            let m = try Manifest.decode(b, path: "fuzz")
            _ = m.expectedRecordCount
            _ = m.indexRange
            _ = Record.size(idLength: 8, taps: m.taps)
        } else {
            let r = records[rng.below(records.count)]
            var b = r.bytes
            Mutate.bytes(&b, &rng)
            if let problem = b.withUnsafeBytes({ Record.problem($0, manifest: r.manifest) }) { throw FuzzSetupError(problem) }
            _ = try b.withUnsafeBytes { try Record.decode($0, key: CacheKey(index: 0), manifest: r.manifest, path: "fuzz") }
        }
    }
}

/// JPEG and PNG decoding (libjpeg-turbo, libpng through the shim, Exif) and preprocessing.
struct ImageFuzz: FuzzClass {
    var seeds: [(name: String, bytes: [UInt8])]
    let decoder = ImageDecoder(maxPixels: 4_000_000)

    init(scratch: String) throws {
        let keep: (String) -> Bool = { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") }
        seeds = (try seedFiles("fuzz/image/seeds", keep) + (try seedFiles("Tests/ThawInputsTests/Fixtures/decode", keep)))
            .filter { $0.bytes.count < 32_768 }
    }

    mutating func run(_ rng: inout SplitMix64) throws {
        let seed = seeds[rng.below(seeds.count)]
        var b = seed.bytes
        Mutate.bytes(&b, &rng)
        if seed.name.hasSuffix(".png") && rng.chance(2) { PNGChunks.fixChecksums(&b) }   // reach libpng's decoder
        let image = try decoder.decode(Data(b), file: seed.name)
        let resize = 1 + rng.below(64), crop = 1 + rng.below(resize)
        _ = Preprocessor(.imagenet(resize: resize, crop: crop)).apply(image)
    }
}

/// Model bundles (safetensors + `bundle` metadata): a real head bundle of each pooling written by
/// `ModelBundle.writeHead`, its header's numbers and JSON damaged, read back.
struct BundleFuzz: FuzzClass {
    var seeds: [[UInt8]] = []

    init(scratch: String) throws {
        for (shape, layout, pooling, hidden) in [([16], "C", "none", [Int]()), ([2, 2, 8], "HWC", "avg", [4]), ([3, 8], "TC", "gem", [])] {
            let d = BundleDescription(kind: .head, backbone: .init(name: "efficientnet-lite0", weightsSHA256: String(repeating: "0", count: 64), weightsFile: ""),
                                      input: .image, preprocessing: "{}", tap: .init(name: "t", dtype: "f16", shape: shape, layout: layout),
                                      pooling: pooling, head: .init(type: hidden.isEmpty ? "linear" : "mlp", hidden: hidden, activation: "relu", layerNorm: false),
                                      classes: ["a", "b", "c"], run: "fuzz", cacheFingerprint: "x", toolVersion: "0", metrics: [:])
            guard let geometry = BundleGeometry(tap: d.tap, pooling: d.pooling) else { throw FuzzSetupError("bundle seed \(pooling)") }
            let head = ModelBundle.headLayout(d, geometry: geometry).map { name, shape in
                SafetensorsWriter.Tensor(name: name, shape: shape, values: (0..<shape.reduce(1, *)).map { Float(($0 % 7) - 3) * (name == "gem.p" ? -1 : 0.1) })
            }
            let path = scratch + "/seed-\(pooling).safetensors"
            try ModelBundle.writeHead(d, head: head, to: path)
            seeds.append([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        self.path = scratch + "/input.safetensors"
    }
    let path: String

    mutating func run(_ rng: inout SplitMix64) throws {
        var b = seeds[rng.below(seeds.count)]
        // Most damage goes to the JSON header (shapes, offsets, the bundle description), after its 8-byte length.
        let headerEnd = min(b.count, 8 + Int(b.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } & 0xFFFF))
        switch rng.below(3) {
        case 0: Mutate.decimal(&b, &rng)
        case 1: let at = 8 + rng.below(max(1, headerEnd - 8)); if at < b.count { b[at] = UInt8(truncatingIfNeeded: rng.next()) }
        default: Mutate.bytes(&b, &rng)
        }
        try writeFile(path, b)
        let bundle = try ModelBundle.read(path)
        _ = bundle.headState()
    }
}

/// Recomputes each complete PNG chunk's CRC-32, so mutations get past the checksum into libpng.
enum PNGChunks {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func fixChecksums(_ b: inout [UInt8]) {
        var p = 8
        while p + 12 <= b.count {
            let length = Int(b[p]) << 24 | Int(b[p + 1]) << 16 | Int(b[p + 2]) << 8 | Int(b[p + 3])
            guard length <= b.count - p - 12 else { return }
            var c: UInt32 = 0xFFFF_FFFF
            for k in (p + 4)..<(p + 8 + length) { c = table[Int((c ^ UInt32(b[k])) & 0xFF)] ^ (c >> 8) }
            c ^= 0xFFFF_FFFF
            let at = p + 8 + length
            b[at] = UInt8(c >> 24); b[at + 1] = UInt8((c >> 16) & 0xFF); b[at + 2] = UInt8((c >> 8) & 0xFF); b[at + 3] = UInt8(c & 0xFF)
            p += 12 + length
        }
    }
}
