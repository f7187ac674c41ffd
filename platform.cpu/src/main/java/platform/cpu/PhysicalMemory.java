package platform.cpu;

import java.lang.foreign.MemorySegment;

/**
 * The physical address space as the CPU sees it: one block of RAM that the CPU reads and
 * writes directly (its TLB caches RAM offsets), and everything else (device registers,
 * holes), reached one access at a time.
 *
 * <p>Contract: {@link #ramOffset(long)} is stable for the lifetime of the memory (RAM does
 * not move); the CPU may cache it per page. Scalar accesses to non-RAM addresses follow the
 * PC's rules (unmapped reads return all-ones, unmapped writes are dropped).
 */
public interface PhysicalMemory {
    /** All of RAM; little-endian accesses at offsets given by {@link #ramOffset}. */
    MemorySegment ram();

    /**
     * The offset in {@link #ram()} of the 4 KiB page that contains physical address
     * {@code pa}, plus {@code pa}'s offset in that page; or -1 if {@code pa} is not RAM.
     */
    long ramOffset(long pa);

    /** Reads {@code size} (1, 2, 4 or 8) bytes at a non-RAM address, zero-extended. */
    long read(long pa, int size);

    /** Writes the low {@code size} (1, 2, 4 or 8) bytes of {@code value} at a non-RAM address. */
    void write(long pa, int size, long value);
}
