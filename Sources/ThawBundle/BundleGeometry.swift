/// Widths the head of a bundle works with, derived from its tap and pooling (docs/bundle-format.md).
public struct BundleGeometry: Equatable, Sendable {
    /// Positions pooled over: H·W for `HWC`, T for `TC`, 1 for vectors.
    public var spatial: Int
    /// Channels per position (the last axis), or the flattened width for vectors.
    public var channels: Int
    /// Width of the head's input after pooling: C, 2C for avgmax, every element for `none`.
    public var inputWidth: Int

    /// Checked arithmetic: a bundle is untrusted input.
    public init?(tap: BundleDescription.Tap, pooling: String) {
        guard !tap.shape.isEmpty, tap.shape.count == tap.layout.count, tap.shape.allSatisfy({ $0 > 0 }) else { return nil }
        var total = 1
        for d in tap.shape {
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow, p <= 1 << 31 else { return nil }
            total = p
        }
        let isMap = tap.shape.count > 1
        switch pooling {
        case "none":
            spatial = 1; channels = total; inputWidth = total
        case "avg", "max", "gem", "avgmax":
            guard isMap else { return nil }
            channels = tap.shape.last!
            spatial = total / channels
            inputWidth = pooling == "avgmax" ? 2 * channels : channels
        default:
            return nil
        }
    }
}
