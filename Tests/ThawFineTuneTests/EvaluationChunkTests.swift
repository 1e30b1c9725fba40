import ThawBackbones
import ThawCore
@testable import ThawFineTune
import ThawHeads
import ThawKernels
import XCTest

/// Evaluation through the folded inference top in chunks of `settings.chunk · FineTuneTrainer.evaluationChunks` rows
/// against chunks of `settings.chunk`: the same logits bit for bit (every layer of the top computes each row alone;
/// the classifier keeps `settings.chunk`-row GEMMs), on the AVX-512, AVX2 and baseline kernels, with a row count that
/// leaves a partial chunk. The reference is asserted finite (two NaNs of equal bits would pass).
final class EvaluationChunkTests: XCTestCase {
    private let hasAVX512 = VectorISA.avx512, hasAVX2 = VectorISA.avx2Kernels
    override func tearDown() {
        VectorISA.avx512 = hasAVX512; VectorISA.avx2Kernels = hasAVX2
        FineTuneTrainer.evaluationChunks = 1
    }

    private let classes = 5
    private func model() throws -> FineTuneModel {
        let specs = [EfficientNetBlockSpec.custom(kernel: 5, stride: 1, expandRatio: 3, inChannels: 64, outChannels: 64),
                     EfficientNetBlockSpec.custom(kernel: 3, stride: 2, expandRatio: 2, inChannels: 64, outChannels: 96),
                     EfficientNetBlockSpec.custom(kernel: 3, stride: 1, expandRatio: 1, inChannels: 96, outChannels: 96)]
        return try TinyModel.make(seed: 71, specs: specs, headChannels: 160, classes: classes, classifierSeed: 72)
    }

    private func set(_ n: Int, seed: UInt64) throws -> FeatureSet {
        var rng = SplitMix64(seed: seed)
        return try FeatureSet(name: "maps", features: (0..<(n * 7 * 7 * 64)).map { _ in rng.nextNormal() },
                              labels: (0..<n).map { Int32($0 % classes) }, rowShape: [7, 7, 64])
    }

    private func check(rows n: Int, chunk: Int, multiples: [Int], _ what: String) throws {
        let s = try set(n, seed: 73)
        let t = FineTuneTrainer(model: try model(), train: s, validation: s,
                                settings: FineTuneSettings(epochs: 1, step: FineTuneStep(optimizer: .adamwDefault, lr: 1e-2, clipNorm: 1),
                                                           chunk: chunk))
        FineTuneTrainer.evaluationChunks = 1
        XCTAssertEqual(t.evaluationChunk, chunk)
        let reference = t.logits(s)
        XCTAssertEqual(reference.count, n * classes)
        XCTAssertTrue(reference.allSatisfy(\.isFinite), "\(what): the reference logits must be finite")
        let metrics = t.evaluate(s)
        for k in multiples {
            FineTuneTrainer.evaluationChunks = k
            XCTAssertEqual(t.evaluationChunk, chunk * k)
            let got = t.logits(s)
            XCTAssertEqual(got.map(\.bitPattern), reference.map(\.bitPattern), "\(what): \(n) rows at chunk \(chunk) · \(k)")
            XCTAssertEqual(t.evaluate(s), metrics, "\(what): metrics at chunk \(chunk) · \(k)")
        }
    }

    func testLargerChunksGiveTheSameLogitsOnAVX512() throws {
        guard hasAVX512 else { return }
        try check(rows: 75, chunk: 8, multiples: [2, 4, 16], "avx512")
        try check(rows: 70, chunk: 32, multiples: [2, 3], "avx512")
    }

    func testLargerChunksGiveTheSameLogitsOnAVX2() throws {
        guard hasAVX2 else { return }
        VectorISA.avx512 = false
        try check(rows: 75, chunk: 8, multiples: [2, 4, 16], "avx2")
    }

    func testLargerChunksGiveTheSameLogitsOnBaselineKernels() throws {
        VectorISA.avx512 = false
        VectorISA.avx2Kernels = false
        try check(rows: 75, chunk: 8, multiples: [2, 4, 16], "baseline")
    }

    /// The training forward (folded evaluation off) keeps `settings.chunk`: its saved activations spill the caches.
    func testTrainingForwardKeepsTheTrainingChunk() throws {
        let s = try set(4, seed: 74)
        let t = FineTuneTrainer(model: try model(), train: s, validation: s,
                                settings: FineTuneSettings(epochs: 1, step: FineTuneStep(optimizer: .adamwDefault, lr: 1e-2, clipNorm: 1),
                                                           chunk: 8))
        FineTuneTrainer.evaluationChunks = 4
        FineTuneTrainer.foldedEvaluation = false
        defer { FineTuneTrainer.foldedEvaluation = true }
        XCTAssertEqual(t.evaluationChunk, 8)
    }
}
