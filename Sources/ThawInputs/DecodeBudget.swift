import Foundation

/// Bytes of full-size decoded images (RGB u8, width × height × 3) that decode workers may hold at once.
///
/// A JPEG's size is known from its header before its pixels are allocated: the decoder `acquire`s that
/// many bytes first and waits while other images hold the budget; the worker `release`s them once the
/// image is preprocessed (its pixels freed). One image alone is always admitted, however large, so a
/// 2,500-pixel photo over the budget decodes by itself instead of waiting forever. Without a budget two
/// workers can hold two of the largest images of a data set at once (2 × 14 MB at 2,500 × 1,875), and
/// that coincidence, not the cache, set the extract's peak resident set. PNGs decode in C and are
/// counted only after decoding (admitted at once).
public final class DecodeBudget: @unchecked Sendable {
    /// The bound in bytes.
    public let bytes: Int
    private let condition = NSCondition()
    private var held = 0            // guarded by condition
    private var holders = 0         // guarded by condition
    private var mostHeld = 0        // guarded by condition

    public init(bytes: Int) {
        precondition(bytes >= 1, "DecodeBudget: bytes must be ≥ 1")
        self.bytes = bytes
    }

    /// The default of `thaw extract`: 16 MiB — two ImageNet-typical images (500 × 375: 0.56 MB) always
    /// decode side by side, a large one (up to ≈ 2,300 × 1,700) beside small ones, two of the largest never.
    public static let defaultBytes = 16 << 20

    /// Waits until `n` more bytes fit (or nothing is held), then holds them.
    public func acquire(_ n: Int) {
        condition.lock(); defer { condition.unlock() }
        while holders > 0 && held + n > bytes { condition.wait() }
        held += n; holders += 1
        mostHeld = max(mostHeld, held)
    }

    /// Gives back `n` bytes taken by `acquire`.
    public func release(_ n: Int) {
        condition.lock(); defer { condition.unlock() }
        precondition(holders > 0 && held >= n, "DecodeBudget: release of \(n) B without a matching acquire")
        held -= n; holders -= 1
        condition.broadcast()
    }

    /// Bytes held now.
    public var heldBytes: Int {
        condition.lock(); defer { condition.unlock() }
        return held
    }

    /// Most bytes held at once so far (for tests and measurements).
    public var peakHeld: Int {
        condition.lock(); defer { condition.unlock() }
        return mostHeld
    }

    /// Bytes a decoded image of this size holds (RGB u8).
    public static func imageBytes(width: Int, height: Int) -> Int { width * height * 3 }
}

/// One decode worker's share of a `DecodeBudget`: the decoder `acquire`s through it (header size, before
/// the pixels are allocated); the worker calls `releaseAll()` once the image is preprocessed. Sources that
/// make images without decoding (IDX, pixel CSV) acquire nothing, so there is nothing to release.
public final class DecodeLease: @unchecked Sendable {   // used by one worker thread at a time
    public let budget: DecodeBudget
    private var held: [Int] = []

    public init(_ budget: DecodeBudget) { self.budget = budget }

    func acquire(_ n: Int) {
        budget.acquire(n)
        held.append(n)
    }

    /// Gives back everything acquired since the last call.
    public func releaseAll() {
        for n in held { budget.release(n) }
        held.removeAll(keepingCapacity: true)
    }
}
