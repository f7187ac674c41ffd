package kernel.mm;

/**
 * Memory protection bits of {@code mmap}/{@code mprotect}, with Linux's values
 * ({@code PROT_*} of {@code <sys/mman.h>}). On x86-64, as on Linux, {@link #WRITE} and
 * {@link #EXEC} imply {@link #READ} (the page tables cannot express write-only or
 * execute-only pages); {@link #NONE} makes an explicit guard.
 */
public final class Prot {
    public static final int NONE = 0;
    public static final int READ = 0x1;
    public static final int WRITE = 0x2;
    public static final int EXEC = 0x4;
    /** mprotect only: extend the change down to the start of a grows-down mapping. */
    public static final int GROWSDOWN = 0x0100_0000;
    /** mprotect only: extend the change up to the end of a grows-up mapping (none exist on x86). */
    public static final int GROWSUP = 0x0200_0000;

    private Prot() {
    }

    /** "rwx"-style text as in {@code /proc/PID/maps} (without the shared/private letter). */
    public static String toString(int prot) {
        return ((prot & READ) != 0 ? "r" : "-") + ((prot & WRITE) != 0 ? "w" : "-") + ((prot & EXEC) != 0 ? "x" : "-");
    }
}
