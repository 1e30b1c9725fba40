import Foundation
import Synchronization

/// Turns SIGINT/SIGTERM into a flag the long jobs poll between batches, so Ctrl-C stops at the
/// next commit instead of killing the process mid-batch. A second signal exits at once (what is
/// committed stays committed).
///
/// Pitfall: this is a plain `signal()` handler, not a dispatch signal source. On Linux a dispatch
/// source needs the signal ignored (`SIG_IGN`), and a signal the kernel delivers to a thread that
/// does not block it is then simply discarded — the flag was sometimes never set. The handler
/// does only async-signal-safe work: an atomic compare-exchange, `write(2)` on a self-pipe (which
/// wakes the `onFirst` callback on a dispatch queue) and `_exit(2)`.
public final class StopSignal: @unchecked Sendable {
    private let signals: [Int32]
    private let reader: DispatchSourceRead

    /// Starts listening; `onFirst` runs (on a background queue) when the first signal arrives.
    /// One instance at a time: the handler state is process-wide, like signal dispositions.
    public init(signals: [Int32] = [SIGINT, SIGTERM], onFirst: @escaping @Sendable (Int32) -> Void = { _ in }) {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "thaw: pipe() failed for the stop signal")
        _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
        self.signals = signals
        stopSignalRaised.store(0, ordering: .sequentiallyConsistent)
        stopSignalPipeWrite.store(fds[1], ordering: .sequentiallyConsistent)

        let readFD = fds[0]
        reader = DispatchSource.makeReadSource(fileDescriptor: readFD, queue: DispatchQueue(label: "thaw.stop-signal"))
        reader.setEventHandler {
            var byte: UInt8 = 0
            guard read(readFD, &byte, 1) == 1 else { return }
            onFirst(stopSignalRaised.load(ordering: .sequentiallyConsistent))
        }
        // Pitfall: `cancel()` on a dispatch source is asynchronous; the event handler may still be
        // reading. Closing the descriptor before the cancel handler runs races with that read (and
        // with a reuse of the number by another open), so the cancel handler closes it.
        reader.setCancelHandler { close(readFD) }
        reader.resume()
        for sig in signals { signal(sig, stopSignalHandler) }
    }

    /// The signal received, or nil.
    public var received: Int32? {
        let sig = stopSignalRaised.load(ordering: .sequentiallyConsistent)
        return sig == 0 ? nil : sig
    }

    public var isRaised: Bool { received != nil }

    /// Stops listening and restores the default handlers.
    public func cancel() {
        for sig in signals { signal(sig, SIG_DFL) }
        let writeFD = stopSignalPipeWrite.exchange(-1, ordering: .sequentiallyConsistent)
        reader.cancel()   // closes the read end in its cancel handler
        if writeFD >= 0 { close(writeFD) }
    }
}

/// Process-wide state the C signal handler may touch (atomics only).
private let stopSignalRaised = Atomic<Int32>(0)
private let stopSignalPipeWrite = Atomic<Int32>(-1)

private func stopSignalHandler(_ sig: Int32) {
    let (first, _) = stopSignalRaised.compareExchange(expected: 0, desired: sig, ordering: .sequentiallyConsistent)
    guard first else { _exit(128 + sig) }
    var byte: UInt8 = 1
    let fd = stopSignalPipeWrite.load(ordering: .sequentiallyConsistent)
    if fd >= 0 { _ = write(fd, &byte, 1) }
}
