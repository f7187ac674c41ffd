package platform.cpu.internal.run;

import java.lang.foreign.MemorySegment;
import platform.cpu.CodeCache;

/**
 * The physical page allocator of a cpu-run address space: 4 KiB frames of RAM handed out
 * zero-filled, from a free list first, then from never-used RAM (zero already) above
 * physical page 0, which is never used so that 0 can mean "no frame".
 *
 * <p>Contract: {@link #alloc} returns the physical address of a zeroed frame, or throws
 * {@link Exhausted} when RAM is used up; {@link #free} takes a frame back and forgets any
 * code decoded from it.
 */
final class Frames {
    /** Every frame is in use: the emulated machine is out of memory. */
    static final class Exhausted extends RuntimeException {
        Exhausted(String message) {
            super(message, null, false, false);
        }
    }

    private final MemorySegment ram;
    private final CodeCache code;
    private final long limit;
    private long next = 0x1000;
    private long[] freeList = new long[256];
    private int freeCount;
    private long inUse;

    Frames(MemorySegment ram, CodeCache code) {
        this.ram = ram;
        this.code = code;
        this.limit = ram.byteSize() & ~0xFFFL;
    }

    /** A zeroed frame; throws {@link Exhausted} if there is none left. */
    long alloc() {
        long pa;
        if (freeCount > 0) {
            pa = freeList[--freeCount];
            ram.asSlice(pa, 4096).fill((byte) 0);
        } else if (next < limit) {
            pa = next;
            next += 4096;
        } else {
            throw new Exhausted("out of memory: all " + (limit >> 20) + " MiB of emulated RAM are in use");
        }
        inUse++;
        return pa;
    }

    /** Returns frame {@code pa} to the free list. */
    void free(long pa) {
        code.invalidate(pa, 4096);
        if (freeCount == freeList.length) {
            freeList = java.util.Arrays.copyOf(freeList, freeCount * 2);
        }
        freeList[freeCount++] = pa;
        inUse--;
    }

    /** Frames handed out and not freed. */
    long inUse() {
        return inUse;
    }

    /** Total number of frames this allocator manages. */
    long total() {
        return limit / 4096 - 1;
    }
}
