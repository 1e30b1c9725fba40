import CCrashGuard

/// The last line of defence against a damaged cache: a fatal signal (SIGSEGV, SIGBUS, SIGABRT from
/// an LMDB assertion, SIGFPE) raised while a thread is inside an LMDB environment (open, read or write)
/// prints what to do and exits with `exitStatus` instead of killing the process. `LMDBPageWalk`
/// refuses damaged pages before LMDB follows them; this catches what it cannot foresee.
///
/// A writer stopped this way loses only its open transaction, exactly as after `kill -9` (LMDB
/// writes the meta page that commits a transaction last). Signals outside an environment go to the
/// previous handler (Swift's backtracer), so other crashes still report as crashes.
public enum CacheCrashGuard {
    /// The exit status after a caught signal (EX_IOERR).
    public static let exitStatus = Int32(THAW_CRASH_GUARD_STATUS)

    /// Installs the signal handlers; call once, early in `main`.
    public static func install() { thaw_crash_guard_install() }
}
