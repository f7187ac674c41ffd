package platform.cpu.internal.run;

/**
 * The resource limits a cpu-run process starts with (getrlimit(2) resources 0..15, as
 * {soft, hard}), the defaults of a Linux login shell: an 8 MiB stack, 1024 open files, no
 * core files, everything else unlimited or the kernel default.
 */
final class Rlimits {
    static final long INFINITY = -1L;
    static final int CPU = 0, FSIZE = 1, DATA = 2, STACK = 3, CORE = 4, RSS = 5, NPROC = 6, NOFILE = 7,
            MEMLOCK = 8, AS = 9, LOCKS = 10, SIGPENDING = 11, MSGQUEUE = 12, NICE = 13, RTPRIO = 14, RTTIME = 15;

    private Rlimits() {}

    /** A fresh table: limits[resource] = {soft, hard}. */
    static long[][] defaults() {
        long[][] l = new long[16][];
        for (int k = 0; k < l.length; k++) {
            l[k] = new long[] {INFINITY, INFINITY};
        }
        l[STACK] = new long[] {8L << 20, INFINITY};
        l[CORE] = new long[] {0, INFINITY};
        l[NPROC] = new long[] {63_000, 63_000};
        l[NOFILE] = new long[] {1024, 1_048_576};
        l[MEMLOCK] = new long[] {8L << 20, 8L << 20};
        l[SIGPENDING] = new long[] {63_000, 63_000};
        l[MSGQUEUE] = new long[] {819_200, 819_200};
        l[NICE] = new long[] {0, 0};
        l[RTPRIO] = new long[] {0, 0};
        return l;
    }
}
