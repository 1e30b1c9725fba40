import Foundation
@testable import ThawInputs
import XCTest

/// The Preprocessor resizes a grey image on one channel (`Preprocessor.apply`): its floats must equal the
/// three-channel passes' bit for bit. The channels of an RGB image are resized independently, so an image
/// whose R, G and B are three different Fashion-MNIST images (the three-channel path) must give, channel by
/// channel, exactly what each of those images gives alone (the grey path).
final class GreyPreprocessTests: XCTestCase {
    private func fashionImages(_ indices: [Int]) throws -> [[UInt8]] {
        let path = try Fixtures.require("\(Fixtures.fashion)/t10k-images-idx3-ubyte.gz", install: "apt-get install dataset-fashion-mnist")
        let idx = try IDXFile(path: path)
        return idx.data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            return indices.map { Array(bytes[($0 * 784)..<(($0 + 1) * 784)]) }
        }
    }

    private func grey(_ g: [UInt8]) -> RGBImage {
        g.withUnsafeBufferPointer { RGBImage(grey: $0, width: 28, height: 28) }
    }

    func testGreyPathEqualsThreeChannelPassesBitForBit() throws {
        let images = try fashionImages([0, 1, 2, 17, 42, 999])
        let presets: [(String, Preprocessing)] = [
            ("lite0 bicubic 256→224", .efficientNetLite(resize: 256, crop: 224)),
            ("imagenet bilinear 224", .imagenet(resize: 224, crop: 224)),
            ("imagenet-bicubic 40→32 (crop)", .imagenetBicubic(resize: 40, crop: 32)),
            ("no resize, crop 24 of 28", .imagenet(resize: 28, crop: 24)),
            ("downscale 28→20", .imagenet(resize: 20, crop: 20)),
        ]
        for (name, preset) in presets {
            let pre = Preprocessor(preset)
            for t in stride(from: 0, to: images.count, by: 3) {
                let (r, g, b) = (images[t], images[t + 1], images[t + 2])
                var rgb = [UInt8](repeating: 0, count: 784 * 3)
                for i in 0..<784 { rgb[3 * i] = r[i]; rgb[3 * i + 1] = g[i]; rgb[3 * i + 2] = b[i] }
                let colour = pre.apply(RGBImage(width: 28, height: 28, pixels: rgb))
                let alone = [pre.apply(grey(r)), pre.apply(grey(g)), pre.apply(grey(b))]
                XCTAssertEqual(colour.count, preset.outputCount)
                var mismatches = 0
                for i in 0..<colour.count where colour[i].bitPattern != alone[i % 3][i].bitPattern { mismatches += 1 }
                XCTAssertEqual(mismatches, 0, "\(name), images \(t)…\(t + 2)")
            }
        }
    }

    /// One coloured pixel sends the image down the three-channel path: red changes, green and blue stay grey.
    func testOneColouredPixelIsSeen() throws {
        let g = try fashionImages([5])[0]
        let pre = Preprocessor(.imagenet(resize: 224, crop: 224))
        var tinted = grey(g)
        tinted.pixels[3 * (14 * 28 + 14)] &+= 9          // the red byte of the centre pixel
        let a = pre.apply(grey(g)), b = pre.apply(tinted)
        XCTAssertNotEqual(a, b)
        // Green and blue are still the grey image's.
        for i in stride(from: 1, to: a.count, by: 3) { XCTAssertEqual(a[i].bitPattern, b[i].bitPattern) }
        for i in stride(from: 2, to: a.count, by: 3) { XCTAssertEqual(a[i].bitPattern, b[i].bitPattern) }
    }
}
