package platform.cpu.internal.run;

/**
 * Ends a cpu-run process: thrown by a system call (exit, exit_group, an unsupported call) or
 * by the run loop (a fatal signal). {@code status} is the wait status a shell reports: the
 * exit code, or 128 + signal number; {@code message} is what the runner prints, or null.
 */
final class Stop extends RuntimeException {
    /** Signal numbers (x86-64 Linux). */
    static final int SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGSEGV = 11, SIGPIPE = 13,
            SIGSYS = 31;

    final int status;
    final String text;

    Stop(int status, String text) {
        super(text, null, false, false);
        this.status = status;
        this.text = text;
    }

    /** Termination by signal {@code sig}, with a message. */
    static Stop signal(int sig, String text) {
        return new Stop(128 + sig, text);
    }

    /** The name of signal {@code sig}, e.g. "SIGSEGV". */
    static String name(int sig) {
        return switch (sig) {
            case SIGILL -> "SIGILL";
            case SIGTRAP -> "SIGTRAP";
            case SIGBUS -> "SIGBUS";
            case SIGFPE -> "SIGFPE";
            case SIGKILL -> "SIGKILL";
            case SIGSEGV -> "SIGSEGV";
            case SIGPIPE -> "SIGPIPE";
            case SIGSYS -> "SIGSYS";
            default -> "signal " + sig;
        };
    }
}
