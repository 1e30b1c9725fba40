import Foundation
import ThawBundle
import ThawWeights
import XCTest

/// `BundleHead` against a direct float64 reference of docs/bundle-format.md's forward, on seeded
/// random heads of every shape the format allows; and `ModelBundle.read` against damaged bundles.
final class BundleHeadTests: XCTestCase {
    struct Rng {
        var state: UInt64
        mutating func next() -> Double {   // uniform in [-1, 1)
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
        mutating func values(_ n: Int, scale: Double = 1) -> [Float] { (0..<n).map { _ in Float(next() * scale) } }
    }

    func description(tap: [Int], layout: String, dtype: String = "f32", pooling: String, type: String = "linear",
                     hidden: [Int] = [], activation: String = "relu", layerNorm: Bool = false) -> BundleDescription {
        BundleDescription(kind: .head, backbone: .init(name: "efficientnet-lite0", weightsSHA256: String(repeating: "0", count: 64), weightsFile: ""),
                          input: .image, preprocessing: "{}", tap: .init(name: "t", dtype: dtype, shape: tap, layout: layout),
                          pooling: pooling, head: .init(type: type, hidden: hidden, activation: activation, layerNorm: layerNorm),
                          classes: ["a", "b", "c"], run: "fit-test", cacheFingerprint: "x", toolVersion: "0", metrics: [:])
    }

    /// Seeded tensors for every name the layout asks for (gem.p in 2…4, LayerNorm gamma near 1).
    func tensors(_ d: BundleDescription, seed: UInt64) -> [SafetensorsWriter.Tensor] {
        var rng = Rng(state: seed)
        return ModelBundle.headLayout(d, geometry: BundleGeometry(tap: d.tap, pooling: d.pooling)!).map { name, shape in
            let n = shape.reduce(1, *)
            var v = rng.values(n, scale: 0.5)
            if name == "gem.p" { v = [Float(3 + rng.next())] }
            if name.hasPrefix("ln") && name.hasSuffix(".weight") { v = v.map { 1 + $0 } }
            return .init(name: name, shape: shape, values: v)
        }
    }

    func write(_ d: BundleDescription, _ t: [SafetensorsWriter.Tensor]) throws -> String {
        let path = NSTemporaryDirectory() + "bundle-\(UUID().uuidString).safetensors"
        try ModelBundle.writeHead(d, head: t, to: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// The format's forward in float64, one sample: features [S·C] (or [D]) → probabilities [K].
    func reference(_ d: BundleDescription, _ t: [String: [Float]], _ x: [Float]) -> [Double] {
        let g = BundleGeometry(tap: d.tap, pooling: d.pooling)!
        var f = x.map { v -> Double in
            switch d.tap.dtype {
            case "f16": return Double(Float(Float16(v)))
            case "bf16": return Double(Float(bitPattern: (v.bitPattern &+ 0x7FFF &+ ((v.bitPattern >> 16) & 1)) & 0xFFFF_0000))
            default: return Double(v)
            }
        }
        let s = g.spatial, c = g.channels
        func column(_ j: Int) -> [Double] { (0..<s).map { f[$0 * c + j] } }
        switch d.pooling {
        case "avg": f = (0..<c).map { column($0).reduce(0, +) / Double(s) }
        case "max": f = (0..<c).map { column($0).max()! }
        case "avgmax": f = (0..<c).map { column($0).reduce(0, +) / Double(s) } + (0..<c).map { column($0).max()! }
        case "gem":
            let p = Double(t["gem.p"]![0])
            f = (0..<c).map { j in pow(column(j).map { pow(max($0, 1e-6), p) }.reduce(0, +) / Double(s), 1 / p) }
        default: break
        }
        func linear(_ name: String, _ x: [Double]) -> [Double] {
            let w = t[name + ".weight"]!, b = t[name + ".bias"]!, n = b.count, m = x.count
            return (0..<n).map { i in Double(b[i]) + (0..<m).reduce(0.0) { $0 + Double(w[i * m + $1]) * x[$1] } }
        }
        for i in 1...max(1, d.head.hidden.count) where !d.head.hidden.isEmpty {
            var z = linear("fc\(i)", f)
            if d.head.layerNorm {
                let mean = z.reduce(0, +) / Double(z.count)
                let variance = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(z.count)
                let gamma = t["ln\(i).weight"]!, beta = t["ln\(i).bias"]!
                z = z.indices.map { (z[$0] - mean) / (variance + 1e-5).squareRoot() * Double(gamma[$0]) + Double(beta[$0]) }
            }
            f = d.head.activation == "relu" ? z.map { max($0, 0) } : z.map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }
        }
        let logits = linear("out", f)
        let m = logits.max()!, e = logits.map { exp($0 - m) }, sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }

    func check(_ d: BundleDescription, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        let t = tensors(d, seed: seed)
        let bundle = try ModelBundle.read(try write(d, t))
        let head = BundleHead(bundle)
        let n = 5
        var rng = Rng(state: seed &+ 99)
        let x = rng.values(n * head.featureWidth, scale: 2)
        let p = head.probabilities(x, count: n)
        let state = Dictionary(uniqueKeysWithValues: t.map { ($0.name, $0.values) })
        var worst = 0.0
        for r in 0..<n {
            let expected = reference(d, state, Array(x[(r * head.featureWidth)..<((r + 1) * head.featureWidth)]))
            for k in 0..<3 {
                let err = abs(Double(p[r * 3 + k]) - expected[k])
                worst = err.isNaN ? .infinity : max(worst, err)   // NaN is the worst error
            }
        }
        XCTAssertLessThanOrEqual(worst, 2e-6, "\(d.tap.layout) \(d.pooling) \(d.head.type) \(d.head.hidden): worst |p − p_ref| \(worst)", file: file, line: line)
    }

    func testHeadsMatchTheFormatsForward() throws {
        try check(description(tap: [12], layout: "C", pooling: "none"), seed: 1)
        try check(description(tap: [12], layout: "C", pooling: "none", type: "logistic"), seed: 2)
        try check(description(tap: [12], layout: "C", dtype: "f16", pooling: "none", type: "mlp", hidden: [7]), seed: 3)
        try check(description(tap: [3, 2, 4], layout: "HWC", pooling: "avg", type: "mlp", hidden: [6, 5], activation: "gelu", layerNorm: true), seed: 4)
        try check(description(tap: [3, 2, 4], layout: "HWC", dtype: "bf16", pooling: "max"), seed: 5)
        try check(description(tap: [3, 2, 4], layout: "HWC", pooling: "avgmax", type: "mlp", hidden: [6], layerNorm: true), seed: 6)
        try check(description(tap: [3, 2, 4], layout: "HWC", dtype: "f16", pooling: "gem", type: "mlp", hidden: [5], activation: "gelu"), seed: 7)
        try check(description(tap: [6, 4], layout: "TC", pooling: "avg"), seed: 8)
        try check(description(tap: [3, 2, 4], layout: "HWC", pooling: "none"), seed: 9)
    }

    /// The reference itself must fail on a wrong head: a flipped sign is caught.
    func testTheComparisonCanFail() throws {
        let d = description(tap: [12], layout: "C", pooling: "none")
        var t = tensors(d, seed: 1)
        let bundle = try ModelBundle.read(try write(d, t))
        t[t.firstIndex { $0.name == "out.weight" }!].values[0] += 1
        let state = Dictionary(uniqueKeysWithValues: t.map { ($0.name, $0.values) })
        let x = [Float](repeating: 1, count: 12)
        let p = BundleHead(bundle).probabilities(x, count: 1)
        let expected = reference(d, state, x)
        XCTAssertGreaterThan((0..<3).map { abs(Double(p[$0]) - expected[$0]) }.max()!, 1e-3)
    }

    // MARK: - Damaged bundles

    func assertRefused(_ path: String, _ words: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ModelBundle.read(path), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(path) && text.contains(words), "expected “\(words)” in: \(text)", file: file, line: line)
        }
    }

    func raw(_ tensors: [SafetensorsWriter.Tensor], metadata: [String: String]) throws -> String {
        let path = NSTemporaryDirectory() + "bad-\(UUID().uuidString).safetensors"
        try SafetensorsWriter.write(tensors, metadata: metadata, to: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testDamagedBundlesAreRefusedWithTheReason() throws {
        let d = description(tap: [3, 2, 4], layout: "HWC", pooling: "gem", type: "mlp", hidden: [5], layerNorm: true)
        let t = tensors(d, seed: 3)
        let good = try ModelBundle.metadata(d)
        func prefixed(_ ts: [SafetensorsWriter.Tensor]) -> [SafetensorsWriter.Tensor] {
            ts.map { .init(name: ModelBundle.headPrefix + $0.name, shape: $0.shape, values: $0.values) }
        }
        XCTAssertNoThrow(try ModelBundle.read(try raw(prefixed(t), metadata: good)))
        assertRefused(try raw(prefixed(t), metadata: [:]), "without Thaw bundle metadata")
        assertRefused(try raw(prefixed(t), metadata: ["format": "thaw-bundle-9", "bundle": good["bundle"]!]), "thaw-bundle-9")
        assertRefused(try raw(prefixed(t), metadata: ["format": ModelBundle.format, "bundle": "{"]), "does not parse")
        assertRefused(try raw(prefixed(Array(t.dropLast())), metadata: good), "lacks the tensor head.gem.p")
        assertRefused(try raw(prefixed(t) + [.init(name: "head.extra", shape: [1], values: [0])], metadata: good), "head.extra")
        var wrongShape = t
        wrongShape[0] = .init(name: wrongShape[0].name, shape: [4, 5], values: wrongShape[0].values)
        assertRefused(try raw(prefixed(wrongShape), metadata: good), "expected [5, 4]")
        var nan = t
        nan[1].values[0] = .nan
        assertRefused(try raw(prefixed(nan), metadata: good), "NaN")
        var oneClass = d
        oneClass.classes = ["a"]
        assertRefused(try raw(prefixed(t), metadata: ModelBundle.metadata(oneClass)), "at least 2")
        var vectorGem = d
        vectorGem.tap = .init(name: "pool", dtype: "f32", shape: [24], layout: "C")
        assertRefused(try raw(prefixed(t), metadata: ModelBundle.metadata(vectorGem)), "does not fit pooling")
        var huge = d
        huge.tap = .init(name: "t", dtype: "f32", shape: [1 << 40, 1 << 40, 4], layout: "HWC")
        assertRefused(try raw(prefixed(t), metadata: ModelBundle.metadata(huge)), "does not fit pooling")
        var dtype = d
        dtype.tap.dtype = "f8"
        assertRefused(try raw(prefixed(t), metadata: ModelBundle.metadata(dtype)), "f8")
        let missing = NSTemporaryDirectory() + "no-such-bundle.safetensors"
        assertRefused(missing, "bundle")
    }
}
