// thaw_crash_guard: turns a fatal signal raised while a thread reads or writes an LMDB cache
// (SIGSEGV, SIGBUS, SIGABRT from an LMDB assertion, SIGFPE) into one clear message and an exit
// status, instead of death by signal. Outside a guarded region the previous handler runs (Swift's
// backtracer, or the default action), so genuine bugs elsewhere still crash as before.
#ifndef THAW_CRASH_GUARD_H
#define THAW_CRASH_GUARD_H

/// Exit status of a process stopped by the guard (EX_IOERR: input/output error on a file).
#define THAW_CRASH_GUARD_STATUS 74

/// Installs the handlers (sigaction with SA_ONSTACK, an alternate stack for the calling thread).
/// Idempotent; call once early in main.
void thaw_crash_guard_install(void);

/// Marks the calling thread as inside a guarded region whose fatal signal prints `message`
/// (a NUL-terminated string that must stay valid until the matching leave). Returns the previous
/// message of this thread (NULL at the outermost level), to pass to `thaw_crash_guard_leave`.
/// Also gives the thread an alternate signal stack the first time.
const char *thaw_crash_guard_enter(const char *message);

/// Ends the region begun by the `enter` that returned `previous`.
void thaw_crash_guard_leave(const char *previous);

/// True once `thaw_crash_guard_install` has run.
int thaw_crash_guard_installed(void);
#endif
