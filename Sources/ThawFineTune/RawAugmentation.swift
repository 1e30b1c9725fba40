import ThawCore
import ThawInputs

/// On-the-fly training augmentation for fine-tuning from raw images: `AugmentedView`'s
/// random-resized-crop (scale 0.08–1, ratio 3/4–4/3, aspect kept) then horizontal flip ½,
/// a fresh draw per (sample, epoch). Deterministic given the seed: the draw depends only on
/// (seed, epoch, sample index), never on batch order, chunking or threads.
public struct RawAugmentation: Sendable {
    public let seed: UInt64
    private let view: AugmentedView

    /// Recorded in the run's config.
    public static let description = AugmentedView.description.replacingOccurrences(of: "(index, view)", with: "(seed, epoch, index)")

    /// `preset` gives the output size (`crop`) and the normalisation.
    public init(preset: Preprocessing, seed: UInt64) {
        self.seed = seed
        view = AugmentedView(preset: preset)
    }

    /// The `AugmentedView` view number of `epoch`: 16 bits (its seeding uses view << 48), mixed with the seed.
    public func viewNumber(epoch: Int) -> Int {
        var g = SplitMix64(seed: seed ^ 0x5241_5746_5441_5547)
        let mix = g.next()
        return Int((mix &+ UInt64(epoch) &* 0x9E37) & 0xFFFF)
    }

    /// The crop box and flip of sample `index` in `epoch` for a `width`×`height` image.
    public func box(index: Int, epoch: Int, width: Int, height: Int) -> AugmentedView.Box {
        AugmentedView.box(index: index, view: viewNumber(epoch: epoch), width: width, height: height)
    }

    /// Writes the augmented `image` (sample `index`, `epoch`) to `out` [crop, crop, 3].
    public func render(_ image: RGBImage, index: Int, epoch: Int, into out: UnsafeMutablePointer<Float>) {
        view.render(image, index: index, view: viewNumber(epoch: epoch), into: out)
    }
}
