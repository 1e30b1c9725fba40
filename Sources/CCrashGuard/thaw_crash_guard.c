// See thaw_crash_guard.h. Everything the handler does is async-signal-safe: it reads a thread-local
// pointer to a message formatted before the region began, write(2)s it, and _exit(2)s.
#include "thaw_crash_guard.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const int guarded_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE};
enum { GUARDED_COUNT = sizeof(guarded_signals) / sizeof(guarded_signals[0]) };
static struct sigaction previous_actions[GUARDED_COUNT];
static volatile sig_atomic_t installed = 0;

static __thread const char *thread_message = NULL;
static __thread int thread_has_stack = 0;

static size_t length_of(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

static void write_all(const char *s) {
    size_t n = length_of(s);
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static const char *signal_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGABRT: return "SIGABRT";
    case SIGFPE: return "SIGFPE";
    default: return "a fatal signal";
    }
}

static void handle(int sig, siginfo_t *info, void *context) {
    const char *message = thread_message;
    if (message) {
        write_all("\nthaw: ");
        write_all(signal_name(sig));
        write_all(" while reading or writing a feature cache. ");
        write_all(message);
        write_all("\n");
        _exit(THAW_CRASH_GUARD_STATUS);
    }
    // Not ours: hand the signal to whoever had it before (Swift's backtracer or the default action).
    for (int i = 0; i < GUARDED_COUNT; i++) {
        if (guarded_signals[i] != sig) continue;
        struct sigaction *old = &previous_actions[i];
        if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
            old->sa_sigaction(sig, info, context);
            return;
        }
        if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN && old->sa_handler != NULL) {
            old->sa_handler(sig);
            return;
        }
    }
    // Default action: restore it and let the signal happen again (a fault re-faults on return;
    // abort and raised signals are raised again).
    signal(sig, SIG_DFL);
    if (sig == SIGABRT || (info && info->si_code <= 0)) raise(sig);
}

static void give_thread_a_stack(void) {
    if (thread_has_stack) return;
    thread_has_stack = 1;
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;  // one is set already
    size_t size = 64 * 1024;
    void *memory = malloc(size);  // kept for the thread's life (threads that read caches are few and pooled)
    if (!memory) return;
    stack_t stack = {.ss_sp = memory, .ss_size = size, .ss_flags = 0};
    if (sigaltstack(&stack, NULL) != 0) free(memory);
}

void thaw_crash_guard_install(void) {
    if (installed) return;
    give_thread_a_stack();
    for (int i = 0; i < GUARDED_COUNT; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = handle;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&action.sa_mask);
        sigaction(guarded_signals[i], &action, &previous_actions[i]);
    }
    installed = 1;
}

int thaw_crash_guard_installed(void) { return installed; }

const char *thaw_crash_guard_enter(const char *message) {
    if (installed) give_thread_a_stack();
    const char *previous = thread_message;
    thread_message = message;
    return previous;
}

void thaw_crash_guard_leave(const char *previous) { thread_message = previous; }
