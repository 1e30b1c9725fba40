import ThawCore
import ThawHeads

/// Horizontal flip of a channels-last map [H, W, C] as feature-space augmentation. Whether a row is
/// flipped depends only on (seed, epoch, sample index), so memory and streaming agree.
/// Note: global poolings (avg, max, avgmax, GeM) are invariant to it up to float summation order.
public enum HorizontalFlip {
    /// Whether sample `index` is flipped in `epoch` (probability 1/2).
    @inline(__always)
    public static func flips(seed: UInt64, epoch: Int, index: Int) -> Bool {
        var g = SplitMix64(seed: seed ^ 0xF11F ^ (UInt64(epoch) &* 0x94D0_49BB_1331_11EB) ^ (UInt64(index) &* 0xBF58_476D_1CE4_E5B9))
        return g.next() >> 63 == 1
    }

    /// dst = src with the W axis reversed; shape [H, W, C].
    @inline(__always)
    public static func apply(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, h: Int, w: Int, c: Int) {
        for y in 0..<h {
            for x in 0..<w {
                (dst + (y * w + x) * c).update(from: src + (y * w + (w - 1 - x)) * c, count: c)
            }
        }
    }
}
