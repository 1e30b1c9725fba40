import Foundation

/// A frozen 3×3 convolution's Winograd filter U, computed by the first forward that takes the Winograd path
/// (`Conv2D.deferringWinograd()`) — once, under a lock, so concurrent forwards over copies of the same
/// convolution wait for one computation instead of racing — and then read by every later forward.
///
/// Why deferred: U is 4× the 3×3 weights (36 positions against 9 taps), and whether a layer runs Winograd
/// depends on the batch and map size (`WinogradChoice.pays`). ResNet-50 at 224×224 holds 131 MB of U; at
/// batch 1 its layer4 (75 MB of it) never takes the Winograd path, so computing U at load cost memory for
/// nothing. The layer keeps its GEMM weights (the panels) as well: they are the source of U and the path
/// for the batches and sizes where Winograd does not pay (14 MB for ResNet-50's layer1…layer3).
final class DeferredWinogradFilter: @unchecked Sendable {
    private let lock = NSLock()
    private var filter: [Float]?
    private var count = 0

    /// How many times U was computed (at most once; tests check it).
    var computations: Int {
        lock.lock(); defer { lock.unlock() }
        return count
    }

    /// Whether U has been computed.
    var isComputed: Bool {
        lock.lock(); defer { lock.unlock() }
        return filter != nil
    }

    /// U, computed by `compute` on the first call; every caller gets the same array (no copy).
    func filter(_ compute: () -> [Float]) -> [Float] {
        lock.lock(); defer { lock.unlock() }
        if let filter { return filter }
        let u = compute()
        filter = u
        count += 1
        return u
    }
}
