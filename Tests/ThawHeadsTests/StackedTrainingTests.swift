import XCTest
@testable import ThawHeads
import ThawTraining

/// A stacked run of K heads equals K separate runs; same seed → same weights; early stopping.
final class StackedTrainingTests: XCTestCase {
    let hyper = [HeadHyperparameters(learningRate: 0.05, weightDecay: 0, seed: 1),
                 HeadHyperparameters(learningRate: 0.01, weightDecay: 0.1, seed: 2),
                 HeadHyperparameters(learningRate: 0.003, weightDecay: 0.01, seed: 3)]

    func assertStackedEqualsSeparate(shape: HeadShape, pooling: Pooling?, rowShape: [Int], options: TrainingOptions,
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let train = syntheticSet("train", count: 150, rowShape: rowShape, classes: 4, seed: 1)
        let val = syntheticSet("val", count: 60, rowShape: rowShape, classes: 4, seed: 2)
        let stacked = try HeadTrainer.train(shape: shape, pooling: pooling, heads: hyper, classes: 4, train: train,
                                            validation: val, options: options)
        for (k, h) in hyper.enumerated() {
            let alone = try HeadTrainer.train(shape: shape, pooling: pooling, heads: [h], classes: 4, train: train,
                                              validation: val, options: options)
            let a = alone.model.state(head: 0), s = stacked.model.state(head: k)
            for key in a.keys.sorted() {
                // 1e-5 relative (absolute 1e-6 below 0.1): float GEMMs of other widths round differently.
                assertClose(s[key]!, a[key]!, rtol: 1e-5, floor: 0.1, "head \(k) \(key)", file: file, line: line)
            }
            XCTAssertEqual(stacked.histories[k].epochs.count, alone.histories[0].epochs.count, file: file, line: line)
        }
    }

    func testLinearHeadsSGDStepSchedule() throws {
        try assertStackedEqualsSeparate(shape: .linear, pooling: nil, rowShape: [12],
                                        options: TrainingOptions(epochs: 4, batchSize: 32, optimizer: .sgd(momentum: 0.9, nesterov: true),
                                                                 schedule: .step(everySteps: 7, gamma: 0.5), dataSeed: 5))
    }

    func testMLPHeadsWithDropoutLayerNormAdamWCosine() throws {
        let shape = HeadShape(hidden: [16, 8], activation: .gelu, dropout: 0.2, layerNorm: true)
        try assertStackedEqualsSeparate(shape: shape, pooling: nil, rowShape: [12],
                                        options: TrainingOptions(epochs: 3, batchSize: 25, optimizer: .adamwDefault,
                                                                 schedule: .cosine(warmupSteps: 4, minFactor: 0),
                                                                 labelSmoothing: 0.1, dataSeed: 6))
    }

    func testGeMHeadsOnMaps() throws {
        try assertStackedEqualsSeparate(shape: .linear, pooling: .gem(p: 3), rowShape: [2, 2, 6],
                                        options: TrainingOptions(epochs: 2, batchSize: 30, optimizer: .adamwDefault, dataSeed: 7))
    }

    /// Heads split into groups trained on separate cores (`HeadGroups`) give the weights and histories
    /// of one group for any group count (to float rounding: OpenBLAS picks edge kernels by GEMM width),
    /// with early stopping moving state between groups.
    func testHeadGroupsDoNotChangeResults() throws {
        let train = syntheticSet("train", count: 140, rowShape: [20], classes: 5, seed: 8)
        let val = syntheticSet("val", count: 50, rowShape: [20], classes: 5, seed: 9)
        let heads = (0..<5).map { HeadHyperparameters(learningRate: [0.3, 0.1, 0.03, 1, 0.01][$0],
                                                      weightDecay: Float($0) * 1e-3, seed: UInt64(10 + $0)) }
        let shape = HeadShape(hidden: [12], activation: .relu, dropout: 0.1, layerNorm: false)
        let options = TrainingOptions(epochs: 4, batchSize: 32, optimizer: .sgd(momentum: 0.9, nesterov: false),
                                      schedule: .cosine(warmupSteps: 2, minFactor: 0),
                                      earlyStopping: EarlyStopping(metric: .accuracy, patience: 1), dataSeed: 3)
        let one = try HeadTrainer.train(shape: shape, pooling: nil, heads: heads, classes: 5, train: train,
                                        validation: val, options: options, headGroups: 1)
        XCTAssertTrue(one.histories.contains { $0.stoppedEarly }, "the case should stop some heads early")
        for groups in [2, 3, 5] {
            let split = try HeadTrainer.train(shape: shape, pooling: nil, heads: heads, classes: 5, train: train,
                                              validation: val, options: options, headGroups: groups)
            for k in heads.indices {
                let a = one.histories[k], b = split.histories[k]
                XCTAssertEqual(b.epochs.map { $0.valTop1 }, a.epochs.map { $0.valTop1 }, "\(groups) groups, head \(k)")
                XCTAssertEqual(b.bestEpoch, a.bestEpoch, "\(groups) groups, head \(k)")
                assertClose(b.epochs.map { Float($0.trainLoss) }, a.epochs.map { Float($0.trainLoss) }, rtol: 1e-5, floor: 0.1,
                            "\(groups) groups, head \(k) train loss")
                let sa = one.model.state(head: k), sb = split.model.state(head: k)
                for key in sa.keys.sorted() {
                    assertClose(sb[key]!, sa[key]!, rtol: 1e-5, floor: 0.1, "\(groups) groups, head \(k) \(key)")
                }
            }
        }
    }

    func testEarlyStoppingPerHeadRestoresBestWeights() throws {
        let train = syntheticSet("train", count: 200, rowShape: [10], classes: 3, seed: 3, noise: 3)
        let val = syntheticSet("val", count: 100, rowShape: [10], classes: 3, seed: 4, noise: 3)
        let heads = [HeadHyperparameters(learningRate: 5, seed: 1), HeadHyperparameters(learningRate: 0.01, seed: 2)]
        let stack = try HeadTrainer.train(shape: .linear, pooling: nil, heads: heads, classes: 3, train: train, validation: val,
                                          options: TrainingOptions(epochs: 20, batchSize: 20, optimizer: .sgd(momentum: 0.9, nesterov: false),
                                                                   earlyStopping: EarlyStopping(metric: .loss, patience: 2)))
        let metrics = try HeadTrainer.evaluate(stack, on: val)
        for k in 0..<2 {
            let hist = stack.histories[k]
            let best = hist.epochs.map { $0.valLoss! }.min()!
            XCTAssertEqual(hist.epochs[hist.bestEpoch].valLoss!, best)
            XCTAssertEqual(metrics[k].loss, best, accuracy: 1e-6 * best, "head \(k) keeps its best weights")
        }
        XCTAssertTrue(stack.histories[0].stoppedEarly, "a far too large learning rate stops early")
        XCTAssertLessThan(stack.histories[0].epochs.count, 20)
    }

    func testSameSeedSameWeightsOtherSeedOtherWeights() throws {
        let train = syntheticSet("train", count: 120, rowShape: [8], classes: 3, seed: 5)
        let shape = HeadShape(hidden: [10], dropout: 0.3)
        func run(_ dataSeed: UInt64) throws -> [String: [Float]] {
            try HeadTrainer.train(shape: shape, pooling: nil, heads: hyper, classes: 3, train: train, validation: nil,
                                  options: TrainingOptions(epochs: 3, batchSize: 16, optimizer: .adamwDefault, dataSeed: dataSeed))
                .model.state(head: 1)
        }
        let a = try run(11), b = try run(11), c = try run(12)
        XCTAssertEqual(a, b, "same seeds must give bit-identical weights")
        XCTAssertNotEqual(a, c)
    }

    func testLearnsSyntheticData() throws {
        let train = syntheticSet("train", count: 400, rowShape: [2, 2, 4], classes: 4, seed: 6, noise: 0.8)
        let val = syntheticSet("val", count: 200, rowShape: [2, 2, 4], classes: 4, seed: 7, noise: 0.8)
        for pooling in [Pooling.avg, .max, .avgMax, .gem(p: 3)] {
            let stack = try HeadTrainer.train(shape: .linear, pooling: pooling, heads: [HeadHyperparameters(learningRate: 0.05)],
                                              classes: 4, train: train, validation: val,
                                              options: TrainingOptions(epochs: 15, batchSize: 32, optimizer: .adamwDefault))
            let top1 = try HeadTrainer.evaluate(stack, on: val)[0].top1
            XCTAssertGreaterThan(top1, 0.5, "\(pooling) learns (chance is 0.25)")
        }
    }

    func testBadDataThrowsWithName() {
        let maps = syntheticSet("cache.lmdb:train", count: 10, rowShape: [2, 2, 3], classes: 2, seed: 1)
        XCTAssertThrowsError(try HeadTrainer.train(shape: .linear, pooling: nil, heads: hyper, classes: 2, train: maps,
                                                   validation: nil, options: TrainingOptions())) { e in
            XCTAssertTrue("\(e)".contains("cache.lmdb:train") && "\(e)".contains("pooling"), "\(e)")
        }
        var nan = syntheticSet("cache.lmdb:val", count: 10, rowShape: [3], classes: 2, seed: 1)
        nan.features[4] = .nan
        XCTAssertThrowsError(try nan.validate(classes: 2)) { e in XCTAssertTrue("\(e)".contains("row 1"), "\(e)") }
    }
}
