import Foundation
@_spi(Profile) import ThawBackbones
import ThawBackbonesProfile
import ThawKernels
import XCTest

/// The ResNet cases of Fixtures/manifest.json (scripts/golden/backbones.py): seeded torchvision
/// networks, reference computed in float64.
struct ResNetFixture: Decodable {
    struct File: Decodable { var file: String; var shape: [Int] }
    struct Tap: Decodable { var name: String; var file: String; var shape: [Int]; var max_abs: Float }
    struct Weights: Decodable { var base_seed: UInt64? }
    var name: String
    var model: String
    var block: String?
    var weights: Weights
    var input: File
    var taps: [Tap]

    static func named(_ name: String) throws -> ResNetFixture {
        struct Manifest: Decodable { var cases: [ResNetFixture] }
        guard let url = Bundle.module.url(forResource: "manifest", withExtension: "json", subdirectory: "Fixtures") else {
            throw MissingFixture("Fixtures/manifest.json missing: run python scripts/golden/backbones.py")
        }
        let cases = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url)).cases
        guard let c = cases.first(where: { $0.name == name }) else { throw MissingFixture("fixture case \(name) missing: run python scripts/golden/backbones.py") }
        return c
    }

    static func floats(_ relative: String) throws -> [Float] {
        let base = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
        let data = try Data(contentsOf: base.appendingPathComponent(relative))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    func inputTensor() throws -> Tensor { Tensor(shape: input.shape, data: try Self.floats(input.file)) }
    func tapTensor(_ tap: Tap) throws -> Tensor { Tensor(shape: tap.shape, data: try Self.floats(tap.file)) }

    /// Seeded parameters for this case's base seed.
    var parameters: ResNet.ParameterSource {
        let seed = weights.base_seed!
        return { name, shape in seededTensor(name: name, shape: shape, baseSeed: seed) }
    }
}

/// max |got − want| ≤ rtol · scale (the tap's max |value|); fails naming the worst element.
func assertResNetClose(_ got: Tensor, _ want: Tensor, scale: Float, rtol: Float = 1e-4, _ label: String,
                       file: StaticString = #filePath, line: UInt = #line) {
    guard got.shape == want.shape else {
        XCTFail("\(label): shape \(got.shape), want \(want.shape)", file: file, line: line); return
    }
    if let failure = tapMismatch(got.data, want.data, maxAbs: scale, rtol: rtol, label) { XCTFail(failure, file: file, line: line) }
}

final class ResNetTests: XCTestCase {
    func checkEveryCut(_ caseName: String, depth: Int) throws {
        let fx = try ResNetFixture.named(caseName)
        let net = try ResNet(depth: depth, parameters: fx.parameters)
        XCTAssertEqual(net.cutPoints.map(\.name), fx.taps.map(\.name))
        let x = try fx.inputTensor()
        let out = try net.forward(Activations(tensor: x), from: nil, taps: fx.taps.map(\.name))
        for tap in fx.taps {
            assertResNetClose(out[tap.name]!.tensor, try fx.tapTensor(tap), scale: tap.max_abs, "\(caseName) \(tap.name)")
            XCTAssertEqual(try net.outputShape(at: tap.name, inputShape: Array(x.shape.dropFirst())), Array(tap.shape.dropFirst()))
        }
        // Starting from each cached map gives the reference of every later cut.
        for (k, start) in fx.taps.enumerated().dropLast() {
            let later = fx.taps[(k + 1)...]
            let resumed = try net.forward(Activations(tensor: try fx.tapTensor(start)), from: start.name, taps: later.map(\.name))
            for tap in later {
                assertResNetClose(resumed[tap.name]!.tensor, try fx.tapTensor(tap), scale: tap.max_abs, "\(caseName) \(start.name)→\(tap.name)")
            }
        }
    }

    func testResNet18MatchesTorchAtEveryCut() throws { try checkEveryCut("resnet18_seeded64", depth: 18) }

    func testResNet50MatchesTorchAtEveryCut() throws { try checkEveryCut("resnet50_seeded64", depth: 50) }

    /// The same parity with every 3×3 stride-1 convolution through Winograd F(4×4, 3×3), then none
    /// (the automatic choice above mixes both by shape).
    func testResNetsMatchTorchThroughWinogradAndThroughIm2col() throws {
        defer { WinogradChoice.policy = .automatic }
        for policy in [WinogradChoice.Policy.always, .never] {
            WinogradChoice.policy = policy
            try checkEveryCut("resnet18_seeded64", depth: 18)
            try checkEveryCut("resnet50_seeded64", depth: 50)
        }
    }

    /// The same parity on each convolution engine this CPU runs: AVX-512 (where it has it), its AVX2+FMA build
    /// (AVX-512 off: the AVX2 panel, window and Winograd kernels), the baseline (OpenBLAS); Winograd always, then never.
    func testResNet50MatchesTorchOnEachEngine() throws {
        let (hasAVX512, hasAVX2) = (VectorISA.avx512, VectorISA.avx2Kernels)      // the CPU's defaults
        defer {
            VectorISA.avx512 = hasAVX512
            VectorISA.avx2Kernels = hasAVX2
            WinogradChoice.policy = .automatic
        }
        var engines: [(avx512: Bool, avx2: Bool, name: String)] = [(false, false, "baseline")]
        if hasAVX2 { engines.insert((false, true, "AVX2"), at: 0) }
        if hasAVX512 { engines.insert((true, hasAVX2, "AVX-512"), at: 0) }
        for engine in engines {
            VectorISA.avx512 = engine.avx512
            VectorISA.avx2Kernels = engine.avx2
            for policy in [WinogradChoice.Policy.always, .never] {
                WinogradChoice.policy = policy
                print("ResNet-50 parity: \(engine.name) engine, Winograd \(policy)")
                try checkEveryCut("resnet50_seeded64", depth: 50)
            }
        }
    }

    func testSeededInputIsTheRecipe() throws {
        let fx = try ResNetFixture.named("resnet18_seeded64")
        let (n, h, w, c) = (fx.input.shape[0], fx.input.shape[1], fx.input.shape[2], fx.input.shape[3])
        let nchw = seededTensor(name: "input", shape: [n, c, h, w], baseSeed: 18)
        let stored = try fx.inputTensor().data
        for b in 0..<n { for y in 0..<h { for x in 0..<w { for ch in 0..<c {
            let got = stored[((b * h + y) * w + x) * c + ch], want = nchw[((b * c + ch) * h + y) * w + x]
            if got != want { XCTFail("input [\(b),\(y),\(x),\(ch)]: \(got) vs \(want)"); return }
        } } } }
    }

    /// `profileLayers` times the stem, the max-pool, every convolution once (the last of each block with its
    /// residual add, with its GEMM rows and FLOPs), the global pool and fc.
    func testProfileListsEveryConvolution() throws {
        let net = try ResNet(depth: 18, classes: 10) { _, shape in [Float](repeating: 0.01, count: shape.reduce(1, *)) }
        let layers = net.profileLayers(batch: 1, size: 64, repeats: 1)
        // stem + max-pool + 8 BasicBlocks × (conv1, conv2+add) + 3 downsamples (layer2…layer4) + pool + fc.
        XCTAssertEqual(layers.count, 2 + 8 * 2 + 3 + 2)
        XCTAssertEqual(layers.first?.name, "stem")
        XCTAssertEqual(layers.first?.rows, 32 * 32)
        XCTAssertEqual(layers.first?.flops, 2.0 * Double(32 * 32 * 64 * 7 * 7 * 3))
        XCTAssertEqual(layers[1].name, "maxpool")
        XCTAssertEqual(layers[1].rows, 16 * 16)
        XCTAssertEqual(layers.filter { $0.name.hasSuffix("downsample") }.map(\.name),
                       ["layer2.0.downsample", "layer3.0.downsample", "layer4.0.downsample"])
        XCTAssertEqual(layers[layers.count - 3].name, "layer4.1.conv2+add")
        XCTAssertEqual(layers[layers.count - 3].rows, 2 * 2)                    // 64 / 32
        XCTAssertEqual(layers.suffix(2).map(\.name), ["pool", "fc"])
        XCTAssertEqual(layers.last?.flops, 2.0 * Double(10 * 512))
        XCTAssertTrue(layers.allSatisfy { $0.seconds > 0 }, "every entry was timed")
    }

    /// Winograd filters are computed by the forwards that run them: after a forward, exactly the 3×3 stride-1
    /// convolutions where Winograd paid for that batch and map size hold U (at this size layer1, and on the AVX-512
    /// panel kernel layer2's 8×8 maps too), and the outputs stay those of the float64 reference (`checkEveryCut`).
    func testWinogradFiltersExistOnlyWhereAForwardRanThem() throws {
        let fx = try ResNetFixture.named("resnet50_seeded64")
        let net = try ResNet(depth: 50, parameters: fx.parameters)
        let x = try fx.inputTensor()
        let before = net.stages.joined().flatMap(\.convs).map(\.filterFloats).reduce(0, +)
        XCTAssertFalse(net.stages.joined().flatMap(\.convs).contains { $0.deferredWinogradIsComputed }, "nothing computed at load")
        _ = try net.forward(Activations(tensor: x), from: nil, taps: ["fc"])
        var h = x.shape[1] / 4, w = x.shape[2] / 4, computed = 0, floats = 0
        for block in net.stages.joined() {
            let conv = block.convs[1]                                   // the 3×3
            let (oh, ow) = block.outputSize(height: h, width: w)
            let ran = conv.shape.allowsWinograd && VectorISA.avx2FMA
                && WinogradChoice.pays(batch: x.shape[0], outHeight: oh, outWidth: ow, inChannels: conv.shape.inChannels,
                                       outChannels: conv.shape.outChannels)
            XCTAssertEqual(conv.deferredWinogradIsComputed, ran, "\(conv.shape) at \(oh)×\(ow)")
            if ran { computed += 1; floats += 36 * conv.shape.inChannels * conv.shape.outChannels }
            (h, w) = (oh, ow)
        }
        if VectorISA.avx2FMA {
            let panels = VectorISA.avx512 && ConvTiles.panelKernel
            XCTAssertEqual(computed, panels ? 6 : 3, "layer1's three 3×3 convolutions ran Winograd at 16×16"
                           + (panels ? ", layer2's three stride-1 ones at 8×8" : ""))
        }
        let after = net.stages.joined().flatMap(\.convs).map(\.filterFloats).reduce(0, +)
        XCTAssertEqual(after - before, floats, "U of the convolutions that ran Winograd only")
    }

    func testTapsBeforeTheStartAndWrongInputsThrow() throws {
        let net = try ResNet(depth: 18, classes: 10) { _, shape in [Float](repeating: 0.01, count: shape.reduce(1, *)) }
        let map = Activations(tensor: Tensor(zeros: [1, 4, 4, 128]))
        XCTAssertThrowsError(try net.forward(map, from: "layer2", taps: ["layer1"]))
        XCTAssertThrowsError(try net.forward(map, from: "layer3", taps: ["layer4"]))       // layer3 has 256 channels
        XCTAssertThrowsError(try net.forward(map, from: nil, taps: ["nope"])) { XCTAssertTrue("\($0)".contains("layer4"), "\($0)") }
        XCTAssertEqual(try net.forward(map, from: "layer2", taps: ["fc"])["fc"]!.tensor.shape, [1, 10])
    }

    func testLoadsAStateDictStrictlyWithModulePrefix() throws {
        let fx = try ResNetFixture.named("resnet18_seeded64")
        let keys = try ResNetStateDict.keys(depth: 18)
        var tensors: [(String, [Int], [Float]?)] = keys.map { ($0.0, $0.1, nil) }
        for i in tensors.indices where !tensors[i].0.hasSuffix("num_batches_tracked") {
            tensors[i].2 = seededTensor(name: tensors[i].0, shape: tensors[i].1, baseSeed: 18)
        }
        let byName = Dictionary(uniqueKeysWithValues: tensors.compactMap { t in t.2.map { (t.0, $0) } })
        let reference = try ResNet(depth: 18) { name, _ in byName[name]! }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("thaw-resnet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let good = dir.appendingPathComponent("resnet18.safetensors")
        try ResNetStateDict.writeSafetensors(tensors.map { ("module." + $0.0, $0.1, $0.2) }, to: good)
        let loaded = try ResNet.load(depth: 18, path: good.path)
        let x = Activations(tensor: try fx.inputTensor())
        XCTAssertEqual(try loaded.forward(x, from: nil, taps: ["fc"])["fc"]?.tensor, try reference.forward(x, from: nil, taps: ["fc"])["fc"]?.tensor)

        let missing = dir.appendingPathComponent("missing.safetensors")
        try ResNetStateDict.writeSafetensors(tensors.filter { $0.0 != "layer3.1.bn2.running_var" }, to: missing)
        XCTAssertThrowsError(try ResNet.load(depth: 18, path: missing.path)) {
            XCTAssertTrue("\($0)".contains("layer3.1.bn2.running_var"), "\($0)")
        }
        let extra = dir.appendingPathComponent("extra.safetensors")
        try ResNetStateDict.writeSafetensors(tensors + [("layer5.0.conv1.weight", [2], [1, 2])], to: extra)
        XCTAssertThrowsError(try ResNet.load(depth: 18, path: extra.path)) {
            XCTAssertTrue("\($0)".contains("layer5.0.conv1.weight"), "\($0)")
        }
        let wrong = dir.appendingPathComponent("wrong.safetensors")
        try ResNetStateDict.writeSafetensors(tensors, to: wrong)
        XCTAssertThrowsError(try ResNet.load(depth: 34, path: wrong.path)) {
            XCTAssertTrue("\($0)".contains("layer1.2"), "\($0)")
        }
    }

    /// Real torchvision `.pth` files (zip with `module.` keys, and legacy), made by
    /// scripts/golden/resnet_torchvision_pth.py; runs only when THAW_RESNET_PTH_DIR is set.
    func testLoadsTorchvisionPthFiles() throws {
        guard let dir = ProcessInfo.processInfo.environment["THAW_RESNET_PTH_DIR"] else {
            throw XCTSkip("set THAW_RESNET_PTH_DIR after python scripts/golden/resnet_torchvision_pth.py DIR")
        }
        func floats(_ name: String) throws -> [Float] {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent(name))
            return data.withUnsafeBytes { raw in (0..<data.count / 4).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
        }
        let x = Activations(tensor: Tensor(shape: [1, 64, 64, 3], data: try floats("input.bin")))
        for depth in [18, 50] {
            let want = Tensor(shape: [1, 1000], data: try floats("resnet\(depth)_fc.bin"))
            let scale = want.data.map(abs).max()!
            for file in ["resnet\(depth).pth", "resnet\(depth)_legacy.pth"] {
                let net = try ResNet.load(depth: depth, path: dir + "/" + file)
                assertResNetClose(try net.forward(x, from: nil, taps: ["fc"])["fc"]!.tensor, want, scale: scale, file)
            }
        }
    }
}

/// torchvision state-dict keys and a minimal safetensors writer for loading tests.
enum ResNetStateDict {
    /// Every key and shape torchvision's `resnet<depth>()` saves, found by building the network
    /// through a recording parameter source (plus the BN counters).
    static func keys(depth: Int) throws -> [(String, [Int])] {
        var out: [(String, [Int])] = []
        _ = try ResNet(depth: depth) { name, shape in
            out.append((name, shape))
            if name.hasSuffix("running_var") {
                out.append((String(name.dropLast("running_var".count)) + "num_batches_tracked", []))
            }
            return [Float](repeating: 1, count: shape.reduce(1, *))
        }
        return out
    }

    /// F32 tensors, and I64 scalars where values are nil (num_batches_tracked).
    static func writeSafetensors(_ tensors: [(String, [Int], [Float]?)], to url: URL) throws {
        var header: [String: Any] = [:]
        var body = Data()
        for (name, shape, values) in tensors {
            let start = body.count
            if let values {
                values.withUnsafeBufferPointer { body.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: 4 * $0.count)) }
            } else {
                body.append(Data(count: 8))
            }
            header[name] = ["dtype": values == nil ? "I64" : "F32", "shape": shape, "data_offsets": [start, body.count]]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var size = UInt64(json.count).littleEndian
        var file = Data(bytes: &size, count: 8)
        file.append(json)
        file.append(body)
        try file.write(to: url)
    }
}
