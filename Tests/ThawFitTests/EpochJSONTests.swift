import Foundation
import ThawCore
import ThawRuns
import ThawTraining
import XCTest

/// The run record's epoch objects come from `EpochRecord`'s own encoding: the same numbers, in the
/// same fields, as the objects the trainers used to assemble by hand.
final class EpochJSONTests: XCTestCase {
    func testEpochObjectsEqualTheHandWrittenOnes() throws {
        var rng = SplitMix64(seed: 5)
        func next() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }   // full 53-bit mantissas
        var records: [EpochRecord] = []
        for epoch in 0..<40 {
            records.append(EpochRecord(epoch: epoch, trainLoss: next(), valLoss: next(), valTop1: next(),
                                       lr: Float(next()) * 1e-2, seconds: next() * 30))
        }
        let objects = try JSONValue.objects(encoding: records)
        for (e, o) in zip(records, objects) {
            let old: [String: JSONValue] = [
                "epoch": .number(Double(e.epoch)), "train_loss": .number(e.trainLoss), "val_loss": .number(e.valLoss!),
                "val_top1": .number(e.valTop1!), "lr": .number(Double(e.lr)), "seconds": .number(e.seconds)]
            XCTAssertEqual(o, old, "epoch \(e.epoch)")
        }
    }

    func testNonFiniteLossesStayNumbersThatRecordsWriteAsNull() throws {
        let e = EpochRecord(epoch: 1, trainLoss: .nan, valLoss: .infinity, valTop1: 0.5, lr: 0.1, seconds: 1)
        let o = try XCTUnwrap(JSONValue.objects(encoding: [e]).first)
        XCTAssertTrue(o["train_loss"]?.number?.isNaN == true)
        XCTAssertTrue(o["val_loss"]?.number?.isNaN == true)
        XCTAssertEqual(o["val_top1"], .number(0.5))
        let (data, nonFinite) = try FiniteJSON.encode(o, formatting: [.sortedKeys])
        XCTAssertEqual(nonFinite, 2)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"train_loss\":null"))
    }
}
