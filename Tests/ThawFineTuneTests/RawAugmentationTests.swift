import ThawExtract
import ThawFineTune
import ThawInputs
import XCTest

/// Training augmentation for raw-image fine-tuning: deterministic given the seed, a fresh draw
/// per epoch, boxes inside the image within the scale and ratio ranges, outputs in the preset's range.
final class RawAugmentationTests: XCTestCase {
    let preset = Preprocessing.efficientNetLite(resize: 32, crop: 24)

    func image(width: Int, height: Int) -> RGBImage {
        RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { UInt8(($0 * 37 + $0 / 3) % 256) })
    }

    func testDeterministicGivenTheSeed() {
        let a = RawAugmentation(preset: preset, seed: 42), b = RawAugmentation(preset: preset, seed: 42)
        let img = image(width: 40, height: 30)
        var same = 0, otherEpoch = 0, otherSeed = 0
        let c = RawAugmentation(preset: preset, seed: 43)
        for index in 0..<50 {
            XCTAssertEqual(a.box(index: index, epoch: 3, width: 40, height: 30), b.box(index: index, epoch: 3, width: 40, height: 30))
            if a.box(index: index, epoch: 3, width: 40, height: 30) == a.box(index: index, epoch: 4, width: 40, height: 30) { otherEpoch += 1 }
            if a.box(index: index, epoch: 3, width: 40, height: 30) == c.box(index: index, epoch: 3, width: 40, height: 30) { otherSeed += 1 }
            var p = [Float](repeating: 0, count: preset.outputCount), q = p
            p.withUnsafeMutableBufferPointer { a.render(img, index: index, epoch: 1, into: $0.baseAddress!) }
            q.withUnsafeMutableBufferPointer { b.render(img, index: index, epoch: 1, into: $0.baseAddress!) }
            if p == q { same += 1 }
        }
        XCTAssertEqual(same, 50, "same seed, epoch and index: same pixels")
        XCTAssertLessThan(otherEpoch, 5, "another epoch draws other boxes")
        XCTAssertLessThan(otherSeed, 5, "another seed draws other boxes")
        XCTAssertNotEqual(a.viewNumber(epoch: 0), a.viewNumber(epoch: 1))
    }

    func testBoxesWithinBounds() {
        let aug = RawAugmentation(preset: preset, seed: 7)
        var flips = 0, draws = 0
        for (w, h) in [(28, 28), (300, 200), (64, 97)] {
            for index in 0..<200 {
                let b = aug.box(index: index, epoch: index % 5, width: w, height: h)
                draws += 1
                if b.flip { flips += 1 }
                XCTAssertTrue(b.x >= 0 && b.y >= 0 && b.width > 0 && b.height > 0 && b.x + b.width <= w && b.y + b.height <= h,
                              "box \(b) inside \(w)×\(h)")
                let area = Double(b.width * b.height), full = Double(w * h)
                // Rounding the sides to pixels moves area and ratio a little.
                XCTAssertGreaterThanOrEqual(area, 0.08 * full - Double(b.width + b.height), "area of \(b) in \(w)×\(h)")
                XCTAssertTrue((Double(b.width) + 0.5) / (Double(b.height) - 0.5) >= 0.75 - 1e-9
                              && (Double(b.width) - 0.5) / (Double(b.height) + 0.5) <= 4.0 / 3.0 + 1e-9, "ratio of \(b)")
            }
        }
        XCTAssertGreaterThan(flips, draws / 3, "about half the views flip")
        XCTAssertLessThan(flips, 2 * draws / 3, "about half the views flip")
    }

    func testOutputInPresetRange() {
        let aug = RawAugmentation(preset: preset, seed: 1)
        var out = [Float](repeating: .nan, count: preset.outputCount)
        out.withUnsafeMutableBufferPointer { aug.render(image(width: 28, height: 28), index: 3, epoch: 0, into: $0.baseAddress!) }
        XCTAssertTrue(out.allSatisfy { $0 >= -127.0 / 128 && $0 <= 128.0 / 128 }, "every value is a normalised u8")
    }
}
