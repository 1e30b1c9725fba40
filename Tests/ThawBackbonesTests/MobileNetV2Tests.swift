import Foundation
import ThawAssets
@testable import ThawBackbones
import ThawInputs
import ThawKernels
import XCTest

/// MobileNetV2 (torchvision's ImageNet weights) and the EfficientNet-Lite1/Lite2 ImageNet weights against
/// the float64 PyTorch references of scripts/golden/mobilenet_v2.py: every cut point, a start from a
/// cached cut, and the photos' logits and top-5 through ThawInputs' preprocessing.
final class MobileNetV2Tests: XCTestCase {
    /// The installed weights of `asset`; missing weights fail (deps.sh installs them).
    static func weightsPath(_ asset: String) throws -> String {
        let known = try XCTUnwrap(KnownAsset.named(asset), "no KnownAsset \(asset)")
        guard let path = known.find() else {
            throw MissingFixture("\(asset) weights are not installed. Fix: \(known.installCommand)")
        }
        return path
    }

    nonisolated(unsafe) static var cached: MobileNetV2?
    static func mobileNetV2() throws -> MobileNetV2 {
        if let m = cached { return m }
        let m = try MobileNetV2(weightsPath: weightsPath("mobilenet-v2"))
        cached = m
        return m
    }

    func testBlockTableCutPointsAndShapes() throws {
        let specs = MobileNetV2Spec.blocks
        XCTAssertEqual(specs.count, 17)
        XCTAssertEqual(specs.filter(\.hasSkip).count, 10)
        XCTAssertEqual(specs.map(\.stride).filter { $0 == 2 }.count, 4)
        let m = try Self.mobileNetV2()
        XCTAssertEqual(m.cutPoints, MobileNetV2.cutPointNames)
        XCTAssertEqual(m.cutPoints.count, 21)
        XCTAssertEqual(try m.outputShape(at: "features.0", inputShape: [33, 33, 3]), [17, 17, 32])
        XCTAssertEqual(try m.outputShape(at: "features.14", inputShape: [224, 224, 3]), [7, 7, 160])
        XCTAssertEqual(try m.outputShape(at: "features.18", inputShape: [224, 224, 3]), [7, 7, 1280])
        XCTAssertEqual(try m.outputShape(at: "pool", inputShape: [224, 224, 3]), [1280])
        XCTAssertEqual(try m.outputShape(at: "fc", inputShape: [224, 224, 3]), [1000])
        XCTAssertThrowsError(try m.outputShape(at: "blocks.3", inputShape: [224, 224, 3]))
    }

    func testEveryCutPointOnSeededInputMatchesTorch() throws {
        try checkSeededEveryCutPoint("")
    }

    /// The same in the AVX2+FMA build of the depthwise, stem and packed kernels (on an AVX-512 CPU with
    /// `VectorISA.avx512` set false; on an AVX2 CPU the test above already runs it).
    func testEveryCutPointOnSeededInputInAVX2Build() throws {
        try XCTSkipUnless(VectorISA.avx2Kernels, "this CPU lacks AVX2 + FMA: the AVX2 kernels never run")
        let saved = VectorISA.avx512
        VectorISA.avx512 = false
        defer { VectorISA.avx512 = saved }
        try checkSeededEveryCutPoint(" (AVX2)")
    }

    private func checkSeededEveryCutPoint(_ build: String) throws {
        let s = try MobileNetV2Manifest.load().seeded
        let x = Activations(tensor: Tensor(shape: s.input.shape, data: try MobileNetV2Manifest.floats(s.input.file)))
        let out = try Self.mobileNetV2().forward(x, from: nil, taps: s.taps.map(\.name))
        XCTAssertEqual(s.taps.map(\.name), MobileNetV2.cutPointNames.map(\.name), "the fixture covers every cut point")
        for tap in s.taps {
            let got = try XCTUnwrap(out[tap.name], tap.name)
            XCTAssertEqual(got.tensor.shape, tap.shape, tap.name)
            let rel = assertTap(got.tensor.data, try MobileNetV2Manifest.floats(tap.file), maxAbs: tap.max_abs, "seeded33 \(tap.name)\(build)")
            print(String(format: "mobilenet-v2 seeded33 %@%@: max |error| / max_abs %.2e", tap.name, build, rel))
        }
    }

    /// Fine-tuning and `--from` start at a cached map: the rest of the network from the torch
    /// reference's features.7 gives the reference's later taps.
    func testStartFromCachedCutMatchesTorch() throws {
        let s = try MobileNetV2Manifest.load().seeded
        let tap = { (name: String) in try XCTUnwrap(s.taps.first { $0.name == name }, name) }
        let start = try tap("features.7")
        let x = Activations(tensor: Tensor(shape: start.shape, data: try MobileNetV2Manifest.floats(start.file)))
        let model = try Self.mobileNetV2()
        let out = try model.forward(x, from: "features.7", taps: ["features.14", "fc"])
        for name in ["features.14", "fc"] {
            let want = try tap(name)
            assertTap(try XCTUnwrap(out[name]).tensor.data, try MobileNetV2Manifest.floats(want.file), maxAbs: want.max_abs,
                      "\(name) from features.7")
        }
        XCTAssertThrowsError(try model.forward(x, from: "features.7", taps: ["features.3"]))
        XCTAssertThrowsError(try model.forward(x, from: "features.6", taps: ["fc"]))   // 32 channels expected, 64 given
    }

    /// The photos through ThawInputs' preprocessing and each model's catalog entry: logits within
    /// 1e-4 of the torch reference's largest logit, and torchvision's top-5 in its order.
    func testPhotoLogitsAndTop5MatchTorch() throws {
        let manifest = try MobileNetV2Manifest.load()
        let images = try manifest.photos.map { try ImageDecoder().decode(file: AssetPaths.photosDirectory + "/" + $0) }
        // All photos for MobileNetV2; Lite1/Lite2 on the first two (debug-build forwards are slow).
        for (name, count) in [("mobilenet-v2", images.count), ("efficientnet-lite1", 2), ("efficientnet-lite2", 2)] {
            let want = try manifest.model(name)
            let entry = try ModelCatalog.named(name)
            XCTAssertEqual(entry.defaultWeightsAsset, want.asset, name)
            XCTAssertEqual(entry.input, .image(preset: want.preset, resize: want.resize, size: want.crop), name)
            let path = try Self.weightsPath(want.asset)
            let backbone = try entry.load(path)
            let preprocessing: Preprocessing = want.preset == "imagenet"
                ? .imagenet(resize: want.resize, crop: want.crop) : .efficientNetLite(resize: want.resize, crop: want.crop)
            let pre = Preprocessor(preprocessing)
            let pixels = images.prefix(count).flatMap { pre.apply($0) }
            let x = Activations(tensor: Tensor(shape: [count, want.crop, want.crop, 3], data: pixels))
            let logits = try XCTUnwrap(try backbone.forward(x, from: nil, taps: ["fc"])["fc"]).tensor
            XCTAssertEqual(logits.shape, [count, 1000], name)
            let reference = try MobileNetV2Manifest.floats(want.fc.file)
            XCTAssertEqual(reference.count, want.fc.shape.reduce(1, *), "\(want.fc.file) size")
            let rel = assertTap(logits.data, Array(reference.prefix(count * 1000)), maxAbs: want.fc.max_abs, "\(name) photo logits")
            print(String(format: "%@ photo logits (%d photos): max |error| / max_abs %.2e", name, count, rel))
            for (i, photo) in manifest.photos.prefix(count).enumerated() {
                let row = Array(logits.data[(i * 1000)..<((i + 1) * 1000)])
                let top = row.indices.sorted { row[$0] > row[$1] }.prefix(5)
                XCTAssertEqual(Array(top), want.top5[i].map(\.index), "\(name) \(photo) top-5")
            }
        }
    }

    func testStrictLoadingRejectsOtherFamilies() throws {
        let lite1 = try Self.weightsPath("efficientnet-lite1")
        XCTAssertThrowsError(try MobileNetV2(weightsPath: lite1)) { error in
            XCTAssertTrue("\(error)".contains("features.0.0.weight"), "\(error)")
        }
        // Lite1's file read as Lite2 fails on the first widened block, naming the key and both shapes.
        XCTAssertThrowsError(try EfficientNetLite(variant: 2, weightsPath: lite1)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("_blocks.4._project_conv.weight") && text.contains("[40, 144, 1, 1]")
                          && text.contains("[48, 144, 1, 1]"), text)
        }
        // Every MobileNetV2 key is read: a model that leaves the classifier unread fails.
        XCTAssertThrowsError(try MobileNetV2(weightsPath: try Self.weightsPath("mobilenet-v2"), classCount: 10))
    }
}
