import Foundation
import ThawAssets
@testable import ThawBackbones
import ThawInputs
import ThawKernels
import XCTest

/// EfficientNet-Lite against the float64 PyTorch reference (scripts/reference/efficientnet_lite.py,
/// fixtures from scripts/golden/backbones.py): every cut point, single blocks, logits, photos.
final class EfficientNetLiteTests: XCTestCase {
    static func lite0Path() throws -> String {
        let asset = KnownAsset.named("efficientnet-lite0")!
        guard let path = asset.find() else { throw XCTSkip("EfficientNet-Lite0 weights missing: \(asset.installCommand)") }
        return path
    }

    /// Cached: the real Lite0 weights take a moment to read.
    nonisolated(unsafe) static var cachedLite0: EfficientNetLite?
    static func lite0() throws -> EfficientNetLite {
        if let m = cachedLite0 { return m }
        let m = try EfficientNetLite(variant: 0, weightsPath: lite0Path())
        cachedLite0 = m
        return m
    }

    static func seeded(variant: Int, baseSeed: UInt64) throws -> EfficientNetLite {
        try EfficientNetLite(variant: variant) { key, shape in seededTensor(name: key, shape: shape, baseSeed: baseSeed) }
    }

    func input(_ c: LiteManifest.Case) throws -> Activations {
        Activations(tensor: Tensor(shape: c.input.shape, data: try LiteManifest.floats(c.input.file)))
    }

    /// Runs the whole case in one forward and checks every tap.
    func checkEveryTap(_ model: EfficientNetLite, _ c: LiteManifest.Case) throws {
        let out = try model.forward(try input(c), from: nil, taps: c.taps.map(\.name))
        for tap in c.taps {
            let got = try XCTUnwrap(out[tap.name], tap.name)
            XCTAssertEqual(got.tensor.shape, tap.shape, "\(c.name) \(tap.name) shape")
            assertTap(got.tensor.data, try LiteManifest.floats(tap.file), maxAbs: tap.max_abs, "\(c.name) \(tap.name)")
        }
    }

    func testSeededRecipeMatchesCheckVectors() throws {
        let check = try LiteManifest.load().self_check
        XCTAssertEqual((0..<3).map { String(format: "0x%016lx", splitmix64(0, index: $0)) }, check.splitmix64_seed0_first3)
        XCTAssertEqual((0..<3).map { seededUniform(0, index: $0) }, check.uniform_seed0_first3)
        for (name, hex) in check.fnv1a64 { XCTAssertEqual(String(format: "0x%016lx", fnv1a64(name)), hex, name) }
        let shapes: [String: [Int]] = ["conv1.weight": [64, 3, 7, 7], "bn1.weight": [64], "bn1.bias": [64],
                                       "bn1.running_mean": [64], "bn1.running_var": [64], "fc.weight": [1000, 512], "fc.bias": [1000]]
        for (name, want) in check.resnet18_base18 {
            let got = seededTensor(name: name, shape: try XCTUnwrap(shapes[name], name), baseSeed: 18)
            XCTAssertEqual(Array(got.prefix(want.count)), want, name)
        }
    }

    func testBlockTablesAndCutPoints() throws {
        XCTAssertEqual((0...4).map { EfficientNetLiteSpec.blocks(variant: $0).count }, [16, 21, 21, 24, 30])
        let lite4 = EfficientNetLiteSpec.blocks(variant: 4)
        XCTAssertEqual(Array(Set(lite4.map(\.outChannels))).sorted(), [24, 32, 56, 112, 160, 272, 448])
        let m = try Self.seeded(variant: 0, baseSeed: 1)
        XCTAssertEqual(m.cutPoints.count, 16 + 4)
        XCTAssertEqual(try m.outputShape(at: "blocks.15", inputShape: [224, 224, 3]), [7, 7, 320])
        XCTAssertEqual(try m.outputShape(at: "stem", inputShape: [97, 96, 3]), [49, 48, 32])
        XCTAssertEqual(try m.outputShape(at: "pool", inputShape: [224, 224, 3]), [1280])
        XCTAssertThrowsError(try m.outputShape(at: "layer3", inputShape: [224, 224, 3]))
    }

    func testLite0EveryCutPointMatchesTorch() throws {
        try checkEveryTap(try Self.lite0(), try LiteManifest.load().named("lite0_chelsea96"))
    }

    /// The same in the AVX2+FMA build of the depthwise, stem and packed kernels (on an AVX-512 CPU with
    /// `VectorISA.avx512` set false; on an AVX2 CPU the test above already runs it).
    func testLite0EveryCutPointMatchesTorchInAVX2Build() throws {
        try XCTSkipUnless(VectorISA.avx2Kernels, "this CPU lacks AVX2 + FMA: the AVX2 kernels never run")
        let saved = VectorISA.avx512
        VectorISA.avx512 = false
        defer { VectorISA.avx512 = saved }
        try checkEveryTap(try Self.lite0(), try LiteManifest.load().named("lite0_chelsea96"))
    }

    func testLite0FromCachedCutEqualsFullRun() throws {
        let c = try LiteManifest.load().named("lite0_chelsea96")
        let model = try Self.lite0()
        let full = try model.forward(try input(c), from: nil, taps: ["blocks.9", "fc"])
        let resumed = try model.forward(full["blocks.9"]!, from: "blocks.9", taps: ["head", "fc"])
        XCTAssertEqual(resumed["fc"]!.tensor, full["fc"]!.tensor)
        let tap = c.taps.first { $0.name == "head" }!
        assertTap(resumed["head"]!.tensor.data, try LiteManifest.floats(tap.file), maxAbs: tap.max_abs, "head from blocks.9")
        let fromPool = try model.forward(try model.forward(try input(c), from: nil, taps: ["pool"])["pool"]!, from: "pool", taps: ["fc"])
        XCTAssertEqual(fromPool["fc"]!.tensor, full["fc"]!.tensor)
        XCTAssertThrowsError(try model.forward(full["blocks.9"]!, from: "blocks.9", taps: ["blocks.3"]))
        XCTAssertThrowsError(try model.forward(full["blocks.9"]!, from: "blocks.5", taps: ["fc"]))  // 80 channels expected, 112 given
    }

    func testLite0Logits224MatchTorch() throws {
        let c = try LiteManifest.load().named("lite0_chelsea224")
        try checkEveryTap(try Self.lite0(), c)
    }

    func testLite4SeededEveryCutPointMatchesTorch() throws {
        let c = try LiteManifest.load().named("lite4_seeded32")
        try checkEveryTap(try Self.seeded(variant: 4, baseSeed: try XCTUnwrap(c.weights.base_seed)), c)
    }

    func testSeededSingleBlocksMatchTorch() throws {
        let manifest = try LiteManifest.load()
        let specs = EfficientNetLiteSpec.blocks(variant: 0)
        for (name, index) in [("lite0_block3_seeded", 3), ("lite0_block4_seeded", 4)] {
            let c = try manifest.named(name)
            let seed = try XCTUnwrap(c.weights.base_seed)
            let block = try EfficientNetBlock(spec: specs[index], prefix: try XCTUnwrap(c.block)) { key, shape in
                seededTensor(name: key, shape: shape, baseSeed: seed)
            }
            let x = try LiteManifest.floats(c.input.file)
            let (n, h, w) = (c.input.shape[0], c.input.shape[1], c.input.shape[2])
            let tap = c.taps[0]
            var y = [Float](repeating: .nan, count: tap.shape.reduce(1, *))
            var scratch = [Float](repeating: 0, count: block.scratchCount(batch: n, height: h, width: w))
            let ws = Workspace()
            let size = x.withUnsafeBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { yb in
                    scratch.withUnsafeMutableBufferPointer { sb in
                        block.forward(xb.baseAddress!, batch: n, height: h, width: w, into: yb.baseAddress!,
                                      scratch: sb.baseAddress!, workspace: ws)
                    }
                }
            }
            XCTAssertEqual([n, size.height, size.width, specs[index].outChannels], tap.shape, name)
            assertTap(y, try LiteManifest.floats(tap.file), maxAbs: tap.max_abs, name)
        }
    }

    /// Real photos through ThawInputs' preprocessing: chelsea is a cat, coffee is an espresso.
    func testPhotosTop1ThroughPreprocessing() throws {
        let model = try Self.lite0()
        let photos = AssetPaths.photosDirectory
        guard FileManager.default.fileExists(atPath: photos + "/chelsea.png") else {
            throw XCTSkip("photos missing: \(KnownAsset.named("photos")!.installCommand)")
        }
        let pre = Preprocessor(.efficientNetLite)
        var batch: [Float] = []
        for file in ["chelsea.png", "coffee.png"] { batch += pre.apply(try ImageDecoder().decode(file: photos + "/" + file)) }
        let logits = try model.forward(Activations(tensor: Tensor(shape: [2, 224, 224, 3], data: batch)), from: nil, taps: ["fc"])["fc"]!
        let top = (0..<2).map { i in
            let row = Array(logits.tensor.data[(i * 1000)..<((i + 1) * 1000)])
            return row.indices.sorted { row[$0] > row[$1] }.prefix(5).map { $0 }
        }
        XCTAssertTrue((281...285).contains(top[0][0]), "chelsea top-5 \(top[0])")
        XCTAssertEqual(top[1][0], 967, "coffee top-5 \(top[1])")
        // The 224 fixture was preprocessed by torchvision: its top-5 are the same classes.
        let want = try LiteManifest.load().named("lite0_chelsea224").top5!.map(\.index)
        XCTAssertEqual(top[0], want)
    }

    func testStrictLoadingNamesKeyAndBothShapes() throws {
        let path = try Self.lite0Path()
        // Lite3's first block projects to 24 channels; Lite0's file has 16.
        XCTAssertThrowsError(try EfficientNetLite(variant: 3, weightsPath: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("_blocks.0._project_conv.weight") && text.contains("[16, 32, 1, 1]")
                          && text.contains("[24, 32, 1, 1]"), text)
        }
        // A model that leaves keys unread must fail too: Lite0's file read as a 999-class model.
        XCTAssertThrowsError(try EfficientNetLite(variant: 0, weightsPath: path, classCount: 999))
    }

    func testSteadyStateForwardAllocatesNoWorkspace() throws {
        let model = try Self.seeded(variant: 0, baseSeed: 3)
        let x = Activations(tensor: Tensor(shape: [2, 64, 64, 3], data: seededTensor(name: "input", shape: [2 * 64 * 64 * 3], baseSeed: 3, kind: .input)))
        let first = try model.forward(x, from: nil, taps: ["blocks.3", "pool"])
        let allocations = model.workspace.allocations
        let second = try model.forward(x, from: nil, taps: ["blocks.3", "pool"])
        XCTAssertEqual(model.workspace.allocations, allocations)
        XCTAssertEqual(first["pool"]!.tensor, second["pool"]!.tensor)
        // Batching does not change an image's result beyond float noise.
        let one = try model.forward(Activations(tensor: Tensor(shape: [1, 64, 64, 3], data: Array(x.tensor.data.prefix(64 * 64 * 3)))),
                                    from: nil, taps: ["pool"])
        assertTap(one["pool"]!.tensor.data, Array(first["pool"]!.tensor.data.prefix(1280)),
                  maxAbs: first["pool"]!.tensor.data.map(abs).max()!, rtol: 1e-5, "batch 1 vs batch 2")
    }
}

extension EfficientNetLiteTests {
    /// A batch run image by image through every stage (tiny chunk budget) equals the whole-batch run.
    func testChunkedBatchEqualsWholeBatch() throws {
        let model = try Self.seeded(variant: 0, baseSeed: 5)
        let x = Activations(tensor: Tensor(shape: [3, 40, 40, 3], data: seededTensor(name: "input", shape: [3 * 40 * 40 * 3], baseSeed: 5, kind: .input)))
        let whole = try model.forward(x, from: nil, taps: ["blocks.2", "head", "fc"])
        model.chunkFloats = 1
        let chunked = try model.forward(x, from: nil, taps: ["blocks.2", "head", "fc"])
        for tap in ["blocks.2", "head", "fc"] {
            XCTAssertEqual(chunked[tap]!.tensor.shape, whole[tap]!.tensor.shape, tap)
            assertTap(chunked[tap]!.tensor.data, whole[tap]!.tensor.data, maxAbs: whole[tap]!.tensor.data.map(abs).max()!,
                      rtol: 1e-4, "chunked \(tap)")   // GEMM row blocking differs: float noise only
        }
    }
}

extension EfficientNetLiteTests {
    /// Learnable parameters requested per variant (running statistics excluded) match the README's counts,
    /// and Lite4 asks for the 548 − 91 (num_batches_tracked) keys of its state dict.
    func testParameterCountsOfAllVariants() throws {
        var counts: [Int] = []
        var lite4Keys = 0
        for v in 0...4 {
            var total = 0, keys = 0
            _ = try EfficientNetLite(variant: v) { key, shape in
                keys += 1
                if !key.hasSuffix("running_mean") && !key.hasSuffix("running_var") { total += shape.reduce(1, *) }
                return [Float](repeating: 0, count: shape.reduce(1, *))
            }
            counts.append((total + 500) / 1000)
            if v == 4 { lite4Keys = keys }
        }
        XCTAssertEqual(counts, [4652, 5417, 6092, 8197, 13007])
        let bnLayers = 1 + EfficientNetLiteSpec.blocks(variant: 4).reduce(0) { $0 + ($1.expandRatio == 1 ? 2 : 3) } + 1
        XCTAssertEqual(lite4Keys + bnLayers, 548)
    }
}
