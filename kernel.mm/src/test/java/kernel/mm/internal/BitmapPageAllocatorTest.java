package kernel.mm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import kernel.mm.OutOfPagesException;
import kernel.mm.PageAllocator;
import org.junit.jupiter.api.Test;
import platform.pc.MemoryRegion;
import platform.pc.MemoryRegion.Type;

class BitmapPageAllocatorTest {
    private static final int P = PageAllocator.PAGE_SIZE;
    private static final long MIB = 1L << 20;

    /** 0..640K usable, EBDA reserved, 1M..8M usable with a reserved hole at 4M..4M+3 pages, ACPI at 8M. */
    private static List<MemoryRegion> map() {
        return List.of(
                new MemoryRegion(0, 0x9FC00, Type.USABLE),
                new MemoryRegion(0x9FC00, 0x100000 - 0x9FC00, Type.RESERVED),
                new MemoryRegion(MIB, 7 * MIB, Type.USABLE),
                new MemoryRegion(4 * MIB, 3 * P, Type.RESERVED),
                new MemoryRegion(8 * MIB, 64 * 1024, Type.ACPI),
                new MemoryRegion(0xB000_0000L, 0x1000_0000L, Type.MMIO));
    }

    private static boolean forbidden(long page) {
        return page < MIB || (page >= 4 * MIB && page < 4 * MIB + 3 * P) || page >= 8 * MIB;
    }

    @Test
    void statsCountOnlyUsableRamAboveFirstMib() {
        var a = new BitmapPageAllocator(map());
        PageAllocator.Stats s = a.stats();
        long expectedFree = 7 * MIB / P - 3;
        assertEquals(expectedFree, s.freePages());
        assertEquals(expectedFree, s.totalPages());
        assertEquals(8 * MIB / P - expectedFree, s.reservedPages());
    }

    @Test
    void unalignedUsableRegionEdgesAreNotHandedOut() {
        // usable 1M+100 .. 1M+3 pages+100: only pages 1M+P and 1M+2P are whole
        var a = new BitmapPageAllocator(List.of(new MemoryRegion(MIB + 100, 3 * P, Type.USABLE)));
        assertEquals(2, a.stats().freePages());
        long x = a.allocate(1, Long.MAX_VALUE);
        long y = a.allocate(1, Long.MAX_VALUE);
        assertEquals(List.of(MIB + P, MIB + 2 * P), List.of(Math.min(x, y), Math.max(x, y)));
        assertThrows(OutOfPagesException.class, () -> a.allocate(1, Long.MAX_VALUE));
    }

    @Test
    void randomAllocFreeNeverOverlapsAndNeverTouchesReservedPages() {
        var a = new BitmapPageAllocator(map());
        long initialFree = a.stats().freePages();
        Random rnd = new Random(42);
        BitSet mine = new BitSet();
        List<long[]> live = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            if (live.isEmpty() || rnd.nextInt(3) != 0) {
                int count = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 200 : 8);
                long phys;
                try {
                    phys = a.allocate(count, Long.MAX_VALUE);
                } catch (OutOfPagesException e) {
                    continue;
                }
                assertEquals(0, phys % P, "page aligned");
                for (int k = 0; k < count; k++) {
                    long page = phys + (long) k * P;
                    assertFalse(forbidden(page), () -> "handed out reserved page 0x" + Long.toHexString(page));
                    int frame = (int) (page / P);
                    assertFalse(mine.get(frame), () -> "page 0x" + Long.toHexString(page) + " handed out twice");
                    mine.set(frame);
                }
                live.add(new long[] {phys, count});
            } else {
                long[] r = live.remove(rnd.nextInt(live.size()));
                a.free(r[0], (int) r[1]);
                mine.clear((int) (r[0] / P), (int) (r[0] / P + r[1]));
            }
            assertEquals(initialFree - mine.cardinality(), a.stats().freePages());
        }
        for (long[] r : live) {
            a.free(r[0], (int) r[1]);
        }
        assertEquals(initialFree, a.stats().freePages());
    }

    @Test
    void runsDoNotSpanTheReservedHole() {
        var a = new BitmapPageAllocator(map());
        // 3 MiB from 1M..4M is the first run; a request of 4 MiB must go above the hole
        long big = a.allocate((int) (4 * MIB / P - 4), Long.MAX_VALUE);
        assertTrue(big >= 4 * MIB + 3 * P, "run must start after the reserved hole: 0x" + Long.toHexString(big));
    }

    @Test
    void limitIsHonoured() {
        var a = new BitmapPageAllocator(map());
        long limit = 2 * MIB;
        int pages = (int) ((limit - MIB) / P);
        for (int i = 0; i < pages; i++) {
            long p = a.allocate(1, limit);
            assertTrue(p + P <= limit, "page 0x" + Long.toHexString(p) + " above limit");
        }
        OutOfPagesException e = assertThrows(OutOfPagesException.class, () -> a.allocate(1, limit));
        assertTrue(e.getMessage().contains("0x200000"), e.getMessage());
        // without the limit there is still plenty
        assertTrue(a.allocate(1, Long.MAX_VALUE) >= limit);
    }

    @Test
    void limitBelowFirstMibGivesOutOfPages() {
        var a = new BitmapPageAllocator(map());
        assertThrows(OutOfPagesException.class, () -> a.allocate(1, MIB));
    }

    @Test
    void noContiguousRunGivesOutOfPagesEvenIfEnoughPagesAreFree() {
        var a = new BitmapPageAllocator(List.of(new MemoryRegion(MIB, 8 * P, Type.USABLE)));
        long[] p = new long[8];
        for (int i = 0; i < 8; i++) {
            p[i] = a.allocate(1, Long.MAX_VALUE);
        }
        for (int i = 0; i < 8; i += 2) {
            a.free(p[i], 1); // 4 free pages, none adjacent
        }
        assertEquals(4, a.stats().freePages());
        assertThrows(OutOfPagesException.class, () -> a.allocate(2, Long.MAX_VALUE));
        assertEquals(4, a.stats().freePages(), "a failed allocation takes nothing");
        a.free(p[1], 1);
        assertEquals(p[0], a.allocate(3, Long.MAX_VALUE), "first fit after the hole is refilled");
    }

    @Test
    void doubleFreeIsRefused() {
        var a = new BitmapPageAllocator(map());
        long p = a.allocate(4, Long.MAX_VALUE);
        a.free(p, 4);
        long before = a.stats().freePages();
        assertThrows(IllegalArgumentException.class, () -> a.free(p, 4));
        assertThrows(IllegalArgumentException.class, () -> a.free(p + P, 1));
        assertEquals(before, a.stats().freePages());
    }

    @Test
    void partialOverlapWithFreePagesIsRefusedAndChangesNothing() {
        var a = new BitmapPageAllocator(map());
        long p = a.allocate(2, Long.MAX_VALUE);
        long before = a.stats().freePages();
        assertThrows(IllegalArgumentException.class, () -> a.free(p, 3));
        assertEquals(before, a.stats().freePages());
        a.free(p, 2); // still allocated, so this works
        assertEquals(before + 2, a.stats().freePages());
    }

    @Test
    void badRunsAreRefused() {
        var a = new BitmapPageAllocator(map());
        long p = a.allocate(1, Long.MAX_VALUE);
        assertThrows(IllegalArgumentException.class, () -> a.free(p + 1, 1), "unaligned");
        assertThrows(IllegalArgumentException.class, () -> a.free(p, 0), "zero count");
        assertThrows(IllegalArgumentException.class, () -> a.free(p, -1), "negative count");
        assertThrows(IllegalArgumentException.class, () -> a.free(-P, 1), "negative address");
        assertThrows(IllegalArgumentException.class, () -> a.free(0x1_0000_0000L, 1), "beyond memory");
        assertThrows(IllegalArgumentException.class, () -> a.allocate(0, Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> a.allocate(-3, Long.MAX_VALUE));
    }

    @Test
    void freeingReservedPagesThatWereNeverAllocatedIsRefused() {
        var a = new BitmapPageAllocator(map());
        long before = a.stats().freePages();
        assertThrows(IllegalArgumentException.class, () -> a.free(0, 1), "first MiB");
        assertThrows(IllegalArgumentException.class, () -> a.free(0x9F000, 1), "EBDA");
        assertThrows(IllegalArgumentException.class, () -> a.free(4 * MIB, 3), "reserved hole");
        assertEquals(before, a.stats().freePages());
        // the allocator never hands those pages out afterwards
        while (true) {
            long p;
            try {
                p = a.allocate(1, Long.MAX_VALUE);
            } catch (OutOfPagesException e) {
                break;
            }
            assertFalse(forbidden(p), "0x" + Long.toHexString(p));
        }
        assertEquals(0, a.stats().freePages());
    }

    @Test
    void reservedRegionInsideUsableRegionWinsWhicheverOrder() {
        var reservedFirst = List.of(
                new MemoryRegion(2 * MIB, P, Type.RESERVED),
                new MemoryRegion(MIB, 2 * MIB, Type.USABLE));
        var a = new BitmapPageAllocator(reservedFirst);
        assertEquals(2 * MIB / P - 1, a.stats().freePages());
        for (long i = 0, n = a.stats().freePages(); i < n; i++) {
            assertTrue(a.allocate(1, Long.MAX_VALUE) != 2 * MIB);
        }
    }
}
