package kernel.mm;

/**
 * A snapshot of one virtual memory area ({@code struct vm_area_struct}): the half-open range
 * {@code [start, end)}, page-aligned, its {@link Prot} bits and its {@link MapFlags}
 * ({@code SHARED} or {@code PRIVATE}, {@code ANONYMOUS}, {@code GROWSDOWN}).
 *
 * @param name "[heap]" for the brk area, "[stack]" for a grows-down area, else ""
 */
public record Vma(long start, long end, int prot, int flags, String name) {
    public long length() {
        return end - start;
    }

    public boolean shared() {
        return (flags & MapFlags.TYPE) != MapFlags.PRIVATE;
    }

    public boolean growsDown() {
        return (flags & MapFlags.GROWSDOWN) != 0;
    }

    public boolean contains(long va) {
        return va >= start && va < end;
    }

    /** A {@code /proc/PID/maps} line. */
    @Override
    public String toString() {
        return String.format("%012x-%012x %s%s %s", start, end, Prot.toString(prot), shared() ? "s" : "p", name);
    }
}
