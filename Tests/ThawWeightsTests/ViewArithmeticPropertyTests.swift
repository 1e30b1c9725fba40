import Foundation
import ThawCore
import XCTest
@testable import ThawWeights

/// Random tensor views (sizes, strides and offsets from 0 to Int.max, ranks 0–4) cut from small
/// storages: each is either refused with a FileError or materialised with exactly
/// product(shape) elements, all taken from inside the storage — never a trap, never an
/// allocation past the stated bound.
final class ViewArithmeticPropertyTests: XCTestCase {
    private typealias Generator = SplitMix64

    /// Mostly small numbers (the views that materialise stay small), sometimes the edges of Int.
    private func number(_ g: inout Generator) -> Int {
        switch g.nextIndex(below: 10) {
        case 0: return [Int.max, Int.max - 1, 1 << 62, 1 << 32, (1 << 25) + 1, Int(Int32.max)][g.nextIndex(below: 6)]
        case 1: return 0
        default: return g.nextIndex(below: 9)
        }
    }

    /// The view's bytes by the definition: element (i₀…) is at offset + Σ iₖ·strideₖ.
    private func naive(_ shape: [Int], _ strides: [Int], _ offset: Int, _ storage: Data, item: Int) -> Data {
        var out = Data()
        var index = [Int](repeating: 0, count: shape.count)
        for _ in 0..<shape.reduce(1, *) {
            var at = offset
            for d in shape.indices where index[d] > 0 { at += index[d] * strides[d] }
            out.append(storage[(storage.startIndex + at * item)..<(storage.startIndex + (at + 1) * item)])
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        return out
    }

    func testRandomViewsNeverTrap() throws {
        var g = Generator(seed: 15)
        var refused = 0, built = 0
        for _ in 0..<100_000 {
            let storageCount = 1 + g.nextIndex(below: 64)
            let dtype: WeightDType = [.f32, .f16, .f64, .u8][g.nextIndex(below: 4)]
            let rank = g.nextIndex(below: 5)
            let shape = (0..<rank).map { _ in number(&g) }
            let strides = (0..<rank).map { _ in number(&g) }
            let offset = g.nextIndex(below: 4) == 0 ? number(&g) : g.nextIndex(below: storageCount)
            let storage = Data((0..<(storageCount * dtype.itemSize)).map { UInt8(truncatingIfNeeded: $0) })
            let ref = TorchTensorRef(storage: TorchStorageRef(key: "0", dtype: dtype, elementCount: storageCount),
                                     storageOffset: offset, shape: shape, strides: strides)
            do {
                let t = try TorchCheckpoint.materialize(ref, name: "w", storage: storage, file: "p.pt")
                built += 1
                let count = shape.reduce(1, *)
                XCTAssertEqual(t.bytes.count, count * dtype.itemSize, "\(shape) \(strides) +\(offset)")
                XCTAssertLessThanOrEqual(count, max(storageCount, TorchCheckpoint.maxRepeatedViewElements))
                XCTAssertEqual(t.bytes, naive(shape, strides, offset, storage, item: dtype.itemSize), "\(shape) \(strides) +\(offset)")
            } catch is FileError {
                refused += 1
            }
        }
        XCTAssertGreaterThan(built, 10_000)
        XCTAssertGreaterThan(refused, 10_000)
    }
}
