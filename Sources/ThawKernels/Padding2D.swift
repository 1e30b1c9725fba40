/// How a 2-D window (convolution or pooling) pads its input.
///
/// - `symmetric(h, w)`: PyTorch's `padding=(h, w)`; the same amount before and after.
/// - `same`: TensorFlow "SAME": output = ceil(in / stride); the total padding is
///   `max((out - 1)·stride + (k - 1)·dilation + 1 - in, 0)`, half of it before and the odd
///   element after (bottom/right). EfficientNet-Lite's weights were trained with it: using
///   symmetric padding instead shifts every strided layer by one pixel.
/// - `explicit`: any four amounts (what the other two resolve to).
public enum Padding2D: Equatable, Sendable {
    case symmetric(Int, Int)
    case same
    case explicit(top: Int, bottom: Int, left: Int, right: Int)

    /// No padding ("VALID").
    public static let none = Padding2D.symmetric(0, 0)

    /// `symmetric(p, p)`.
    public static func symmetric(_ p: Int) -> Padding2D { .symmetric(p, p) }

    /// The four amounts for an input of `height`×`width`.
    public func resolve(height: Int, width: Int, kernel: (Int, Int),
                        stride: (Int, Int), dilation: (Int, Int) = (1, 1)) -> ResolvedPadding {
        switch self {
        case .symmetric(let ph, let pw):
            precondition(ph >= 0 && pw >= 0, "Padding2D: padding must be >= 0, got (\(ph), \(pw))")
            return ResolvedPadding(top: ph, bottom: ph, left: pw, right: pw)
        case .explicit(let t, let b, let l, let r):
            precondition(t >= 0 && b >= 0 && l >= 0 && r >= 0, "Padding2D: padding must be >= 0")
            return ResolvedPadding(top: t, bottom: b, left: l, right: r)
        case .same:
            let (th, bh) = Padding2D.sameAmounts(height, kernel.0, stride.0, dilation.0)
            let (lw, rw) = Padding2D.sameAmounts(width, kernel.1, stride.1, dilation.1)
            return ResolvedPadding(top: th, bottom: bh, left: lw, right: rw)
        }
    }

    /// (before, after) for one axis under TensorFlow "SAME".
    static func sameAmounts(_ size: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
        let out = (size + s - 1) / s
        let total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        return (total / 2, total - total / 2)
    }
}

/// Padding amounts in pixels on each side.
public struct ResolvedPadding: Equatable, Sendable {
    public var top: Int, bottom: Int, left: Int, right: Int

    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top; self.bottom = bottom; self.left = left; self.right = right
    }
}
