package kernel.mm.internal;

import java.util.BitSet;
import java.util.List;
import kernel.mm.OutOfPagesException;
import kernel.mm.PageAllocator;
import platform.pc.MemoryRegion;

/**
 * A first-fit physical page allocator over a bitmap, one bit per 4 KiB page frame (set =
 * allocated or not RAM). Built from the BootInfo memory map: only USABLE regions are free, and
 * the first MiB stays reserved as on a PC. Enough for DMA memory in the skeleton; the buddy
 * allocator replaces it later.
 *
 * <p>Locking: every method is synchronized.
 */
final class BitmapPageAllocator implements PageAllocator {
    private static final long LOW_RESERVED = 1 << 20;

    private final BitSet used;
    /** Pages that may ever be handed out (usable RAM above the first MiB, not reserved). */
    private final BitSet ram;
    private final long frames;
    private long totalFree;
    private long free;
    private int searchHint;

    BitmapPageAllocator(List<MemoryRegion> map) {
        long top = 0;
        for (MemoryRegion r : map) {
            if (r.type() == MemoryRegion.Type.USABLE) {
                top = Math.max(top, r.end());
            }
        }
        frames = top / PAGE_SIZE;
        if (frames > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("memory too large for the bitmap allocator");
        }
        used = new BitSet((int) frames);
        used.set(0, (int) frames);
        for (MemoryRegion r : map) {
            if (r.type() != MemoryRegion.Type.USABLE) {
                continue;
            }
            long first = (Math.max(r.base(), LOW_RESERVED) + PAGE_SIZE - 1) / PAGE_SIZE;
            long last = r.end() / PAGE_SIZE; // exclusive
            if (last > first) {
                used.clear((int) first, (int) last);
                free += last - first;
            }
        }
        for (MemoryRegion r : map) { // a reserved region overlapping a usable one wins
            if (r.type() != MemoryRegion.Type.USABLE) {
                long first = Math.min(frames, r.base() / PAGE_SIZE);
                long last = Math.min(frames, (r.end() + PAGE_SIZE - 1) / PAGE_SIZE);
                for (long f = first; f < last; f++) {
                    if (!used.get((int) f)) {
                        used.set((int) f);
                        free--;
                    }
                }
            }
        }
        totalFree = free;
        ram = (BitSet) used.clone();
        ram.flip(0, (int) frames);
    }

    @Override
    public synchronized long allocate(int count, long limit) {
        if (count <= 0) {
            throw new IllegalArgumentException("page count must be positive: " + count);
        }
        long maxFrame = Math.min(frames, limit / PAGE_SIZE);
        for (int pass = 0; pass < 2; pass++) {
            int start = pass == 0 ? searchHint : 0;
            int f = used.nextClearBit(start);
            while (f + (long) count <= maxFrame) {
                int busy = used.nextSetBit(f);
                if (busy < 0 || busy >= f + count) {
                    used.set(f, f + count);
                    free -= count;
                    searchHint = f + count;
                    return (long) f * PAGE_SIZE;
                }
                f = used.nextClearBit(busy);
            }
        }
        throw new OutOfPagesException("no run of " + count + " free pages below 0x" + Long.toHexString(limit)
                + " (" + free + " pages free)");
    }

    @Override
    public synchronized void free(long phys, int count) {
        if (phys < 0 || phys % PAGE_SIZE != 0 || count <= 0 || phys / PAGE_SIZE + count > frames) {
            throw new IllegalArgumentException("bad page run 0x" + Long.toHexString(phys) + "+" + count);
        }
        int f = (int) (phys / PAGE_SIZE);
        int notRam = ram.nextClearBit(f);
        if (notRam < f + count) {
            throw new IllegalArgumentException("page 0x" + Long.toHexString((long) notRam * PAGE_SIZE)
                    + " is reserved, not allocatable RAM: never allocated");
        }
        int clear = used.nextClearBit(f);
        if (clear < f + count) {
            throw new IllegalArgumentException("double free of page 0x" + Long.toHexString((long) clear * PAGE_SIZE));
        }
        used.clear(f, f + count);
        free += count;
        if (f < searchHint) {
            searchHint = f;
        }
    }

    @Override
    public synchronized Stats stats() {
        return new Stats(totalFree, free, frames - totalFree);
    }
}
