package platform.cpu;

import platform.cpu.internal.DecodedCode;

/**
 * Decoded instructions by physical address, shared by the CPUs of one machine. CPUs notice
 * their own stores to code; whoever else writes RAM that may hold code (a device's DMA, the
 * kernel filling or recycling a page) must call {@link #invalidate} for it.
 */
public interface CodeCache {
    /** A new, empty cache. */
    static CodeCache create() {
        return new DecodedCode();
    }

    /**
     * Forgets the decoded code of every page in {@code [ramOffset, ramOffset + len)} (RAM
     * offsets as given by {@link PhysicalMemory#ramOffset}); returns true if there was any.
     */
    boolean invalidate(long ramOffset, long len);

    /** Number of pages that hold decoded code. */
    int pages();

    /** Forgets everything. */
    void clear();
}
