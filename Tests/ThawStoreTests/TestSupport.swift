import Foundation
import XCTest
@testable import ThawStore

extension XCTestCase {
    /// A cache path inside a fresh temporary directory, removed when the test ends.
    func temporaryCachePath(_ name: String = "cache") -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("thaw-store-tests-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir + "/" + name
    }
}

/// Three taps covering every dtype and rank.
let testTaps = [
    TapSpec(name: "pool", dtype: .f16, shape: [64], layout: "C"),
    TapSpec(name: "map", dtype: .bf16, shape: [3, 3, 8], layout: "HWC"),
    TapSpec(name: "tokens", dtype: .f32, shape: [4, 5], layout: "TC"),
]

func testManifest(count: Int = 50, taps: [TapSpec] = testTaps, views: Int = 1, shard: ShardSpec = .whole,
                  fingerprint: String = "files:50") -> Manifest {
    Manifest(toolVersion: "0.1.0", backbone: "efficientnet-lite0", weightsSHA256: String(repeating: "ab", count: 32),
             preprocessing: #"{"resize":256,"crop":224}"#, taps: taps, dataFingerprint: fingerprint,
             labelNames: ["cat", "dog", "eagle"], splitNames: ["train", "val"], sampleCount: count,
             views: views, shard: shard)
}

/// A deterministic sample: values depend only on index, view and tap.
func testSample(_ index: Int, view: Int = 0, taps: [TapSpec] = testTaps) -> CachedSample {
    let values = taps.enumerated().map { t, tap in
        (0..<tap.elementCount).map { j in Float(sin(Double(index * 131 + view * 17 + t * 7 + j) * 0.37)) * Float(1 + t * 10) }
    }
    return CachedSample(index: index, view: view, label: Int32(index % 3), split: index % 5 == 0 ? 1 : 0,
                  id: "images/\(index).jpg", taps: values)
}

/// Every (key bytes, value bytes) of the records database, in key order.
func allRecords(_ path: String) throws -> [[UInt8]] {
    let env = try LMDBEnvironment.shared(at: path, create: false)
    var out: [[UInt8]] = []
    try env.read { txn in
        try txn.scan(.records) { k, v in
            out.append(Array(k))
            out.append(Array(v))
            return true
        }
    }
    return out
}

/// Writes samples `indices` of `manifest` in batches of `batch`.
func writeSamples(_ path: String, _ manifest: Manifest, _ indices: some Sequence<Int>, batch: Int = 8,
                  initialMapSize: Int = 1 << 24) throws -> CacheWriter {
    let w = try CacheWriter.open(at: path, manifest: manifest, batchSize: batch, initialMapSize: initialMapSize)
    for i in indices {
        for v in 0..<manifest.views { try w.append(testSample(i, view: v, taps: manifest.taps)) }
    }
    try w.finish()
    return w
}

/// The data of a little-endian float32 / int32 `.npy` file, with its shape.
func readNPY(_ path: String) throws -> (shape: [Int], data: Data) {
    let d = try Data(contentsOf: URL(fileURLWithPath: path))
    precondition(d.count >= 10 && d[d.startIndex] == 0x93, "not an npy file: \(path)")
    let headerLength = Int(d[8]) | Int(d[9]) << 8
    let header = String(decoding: d[10..<(10 + headerLength)], as: UTF8.self)
    let inner = header.components(separatedBy: "'shape': (")[1].components(separatedBy: ")")[0]
    let shape = inner.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    return (shape, d.subdata(in: (10 + headerLength)..<d.count))
}

/// Package root (for scripts/).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
