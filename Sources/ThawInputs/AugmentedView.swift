import Foundation
import ThawCore

/// Seeded augmented views of a training image: a random-resized-crop box (area 8–100% of the
/// image, aspect ratio 3/4–4/3, torchvision's sampling with 10 attempts then a centre fallback)
/// and a horizontal flip with probability ½.
///
/// The random stream is seeded by (sample index, view) only, so a view has the same pixels
/// whatever the batch size, shard or resume point. Pitfall: the box is then resized with its
/// aspect kept (shorter side → crop size, centre crop, PIL-exact through `Preprocessor`),
/// whereas torchvision squashes the box to a square.
public struct AugmentedView: Sendable {
    public static let scale: ClosedRange<Double> = 0.08...1
    public static let ratio: ClosedRange<Double> = (3.0 / 4.0)...(4.0 / 3.0)
    /// Recorded in the manifest's preprocessing text when views > 1.
    public static let description = "random-resized-crop scale 0.08-1 ratio 3/4-4/3 (aspect kept), hflip 0.5, seeded by (index, view)"

    /// Crop box in the source image and whether to flip it.
    public struct Box: Equatable, Sendable {
        public var x: Int, y: Int, width: Int, height: Int
        public var flip: Bool
    }

    private let preprocessor: Preprocessor

    /// `preset` gives the output size (`crop`) and normalisation.
    public init(preset: Preprocessing) {
        let p = preset
        preprocessor = Preprocessor(Preprocessing(name: p.name, resize: p.crop, crop: p.crop, inputScale: p.inputScale,
                                                  mean: p.mean, std: p.std, interpolation: p.interpolation))
    }

    /// The box for (index, view) of a `width`×`height` image.
    public static func box(index: Int, view: Int, width: Int, height: Int) -> Box {
        var rng = SplitMix64(seed: 0x7468_6177_5649_4557 ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(view) << 48))
        func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        func integer(_ upper: Int) -> Int { upper <= 0 ? 0 : Int(rng.next() % UInt64(upper + 1)) }
        let area = Double(width * height)
        let logLo = log(ratio.lowerBound), logHi = log(ratio.upperBound)
        for _ in 0..<10 {
            let target = area * (scale.lowerBound + (scale.upperBound - scale.lowerBound) * uniform())
            let aspect = exp(logLo + (logHi - logLo) * uniform())
            let w = Int((target * aspect).squareRoot().rounded())
            let h = Int((target / aspect).squareRoot().rounded())
            if w > 0 && h > 0 && w <= width && h <= height {
                let y = integer(height - h), x = integer(width - w)
                return Box(x: x, y: y, width: w, height: h, flip: uniform() < 0.5)
            }
        }
        // Fallback: the largest centred box within the ratio range.
        let inRatio = Double(width) / Double(height)
        var w = width, h = height
        if inRatio < ratio.lowerBound { h = Int((Double(w) / ratio.lowerBound).rounded()) }
        else if inRatio > ratio.upperBound { w = Int((Double(h) * ratio.upperBound).rounded()) }
        return Box(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h, flip: uniform() < 0.5)
    }

    /// Writes view `view` of `image` (sample `index`) to `out` [crop, crop, 3].
    public func render(_ image: RGBImage, index: Int, view: Int, into out: UnsafeMutablePointer<Float>) {
        let b = Self.box(index: index, view: view, width: image.width, height: image.height)
        var pixels = [UInt8](repeating: 0, count: b.width * b.height * 3)   // [h, w, 3]
        for r in 0..<b.height {
            for c in 0..<b.width {
                let sc = b.flip ? b.x + b.width - 1 - c : b.x + c
                let s = ((b.y + r) * image.width + sc) * 3, d = (r * b.width + c) * 3
                pixels[d] = image.pixels[s]; pixels[d + 1] = image.pixels[s + 1]; pixels[d + 2] = image.pixels[s + 2]
            }
        }
        preprocessor.apply(RGBImage(width: b.width, height: b.height, pixels: pixels), into: out)
    }
}
