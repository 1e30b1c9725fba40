import XCTest
@testable import ThawHeads

final class SweepTests: XCTestCase {
    func testGroupsByInputAndShapePicksBestOnValidation() throws {
        let shape = [2, 2, 4]
        let train = syntheticSet("train", count: 300, rowShape: shape, classes: 3, seed: 1, noise: 1)
        let val = syntheticSet("val", count: 100, rowShape: shape, classes: 3, seed: 2, noise: 1)
        let test = syntheticSet("test", count: 100, rowShape: shape, classes: 3, seed: 3, noise: 1)
        let grid = SweepGrid(learningRates: [1e-4, 0.03], weightDecays: [0, 1e-3],
                             shapes: [.linear, HeadShape(hidden: [8])], poolings: [.avg, .gem(p: 3)], seed: 10)
        let result = try Sweep.run(grid: grid, classes: 3, train: train, validation: val, test: test,
                                   options: TrainingOptions(epochs: 4, batchSize: 32, optimizer: .adamwDefault))
        XCTAssertEqual(result.rows.count, 16)
        XCTAssertEqual(Set(result.rows.map(\.group)).count, 4, "one group per (pooling, shape)")
        XCTAssertEqual(result.groupSeconds.count, 4)
        let bestAcc = result.rows.map(\.validation.top1).max()!
        XCTAssertEqual(result.rows[result.best].validation.top1, bestAcc)
        XCTAssertNotEqual(result.rows[result.best].configuration.hyperparameters.learningRate, 1e-4)
        XCTAssertGreaterThan(result.bestTest!.top1, 0.6)
        // The table is a plain Codable value.
        let json = try JSONEncoder().encode(result)
        XCTAssertEqual(try JSONDecoder().decode(SweepResult.self, from: json).rows, result.rows)
    }
}
