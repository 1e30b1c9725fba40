import Foundation

/// Turns SIGINT/SIGTERM into a flag the extractor polls between batches, so Ctrl-C stops at the
/// next commit instead of killing the process mid-batch. A second signal exits at once (what is
/// committed stays committed). Pitfall: the default handlers must be ignored (`SIG_IGN`) before
/// the dispatch sources can see the signals.
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var raised: Int32 = 0
    private var sources: [DispatchSourceSignal] = []

    /// Starts listening; `onFirst` runs (on a background queue) when the first signal arrives.
    public init(signals: [Int32] = [SIGINT, SIGTERM], onFirst: @escaping @Sendable (Int32) -> Void = { _ in }) {
        let queue = DispatchQueue(label: "thaw.stop-signal")
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock()
                let first = self.raised == 0
                if first { self.raised = sig }
                self.lock.unlock()
                if first { onFirst(sig) } else { exit(128 + sig) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The signal received, or nil.
    public var received: Int32? {
        lock.lock(); defer { lock.unlock() }
        return raised == 0 ? nil : raised
    }

    public var isRaised: Bool { received != nil }

    /// Stops listening and restores the default handlers.
    public func cancel() {
        for s in sources { s.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL); signal(SIGTERM, SIG_DFL)
    }
}
