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
import java.util.Map;
import java.util.stream.Stream;
import kernel.core.selftest.SelfTestSuite;
import kernel.mm.Zone;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import platform.pc.Machine;
import platform.pc.MemoryRegion;
import platform.pc.MemoryRegion.Type;

/**
 * The buddy allocator: the legacy run API (allocate/free, used by DMA buffers) on the maps the
 * bitmap allocator was tested with, real machine maps, and the {@code mm.buddy} self-test suite
 * (random sequences, coalescing, zones, reference counts, bad frees, per-CPU caches) as dynamic
 * tests.
 */
class BuddyAllocatorTest {
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
        var a = new BuddyAllocator(map());
        PageAllocator.Stats s = a.stats();
        long expectedFree = 7 * MIB / P - 3;
        assertEquals(expectedFree, s.freePages());
        assertEquals(expectedFree, s.totalPages());
        // reserved = RAM pages of the map (USABLE, RESERVED, ACPI; not MMIO) that are not managed
        assertEquals((8 * MIB + 64 * 1024) / P - expectedFree, s.reservedPages());
        assertEquals(0, s.cachedPages());
        assertEquals(3, s.zones().size());
        assertEquals(expectedFree, s.zones().get(0).freePages());
    }

    @Test
    void unalignedUsableRegionEdgesAreNotHandedOut() {
        // usable 1M+100 .. 1M+3 pages+100: only pages 1M+P and 1M+2P are whole
        var a = new BuddyAllocator(List.of(new MemoryRegion(MIB + 100, 3 * P, Type.USABLE)));
        assertEquals(2, a.stats().freePages());
        long x = a.allocate(1, Long.MAX_VALUE);
        long y = a.allocate(1, Long.MAX_VALUE);
        assertEquals(List.of(MIB + P, MIB + 2 * P), List.of(Math.min(x, y), Math.max(x, y)));
        assertThrows(OutOfPagesException.class, () -> a.allocate(1, Long.MAX_VALUE));
    }

    @Test
    void randomAllocFreeNeverOverlapsAndNeverTouchesReservedPages() {
        var a = new BuddyAllocator(map());
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
    void blocksDoNotSpanTheReservedHole() {
        var a = new BuddyAllocator(map());
        // 2 MiB blocks: 2M..4M and 6M..8M; 4M..6M holds the hole, 0..2M the first MiB
        List<Long> got = new ArrayList<>();
        while (true) {
            try {
                got.add(a.allocPages(9, kernel.mm.Zone.DMA));
            } catch (OutOfPagesException e) {
                break;
            }
        }
        got.sort(null);
        assertEquals(List.of(2 * MIB, 6 * MIB), got);
        assertThrows(OutOfPagesException.class, () -> a.allocate(1024, Long.MAX_VALUE), "no 4 MiB block without the hole");
    }

    @Test
    void limitIsHonoured() {
        var a = new BuddyAllocator(map());
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
        var a = new BuddyAllocator(map());
        assertThrows(OutOfPagesException.class, () -> a.allocate(1, MIB));
    }

    @Test
    void noContiguousRunGivesOutOfPagesEvenIfEnoughPagesAreFree() {
        var a = new BuddyAllocator(List.of(new MemoryRegion(MIB, 8 * P, Type.USABLE)));
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
        assertEquals(p[0], a.allocate(2, Long.MAX_VALUE), "p[0] and p[1] merged into an order-1 block");
    }

    @Test
    void doubleFreeIsRefused() {
        var a = new BuddyAllocator(map());
        long p = a.allocate(4, Long.MAX_VALUE);
        a.free(p, 4);
        long before = a.stats().freePages();
        assertThrows(IllegalArgumentException.class, () -> a.free(p, 4));
        assertThrows(IllegalArgumentException.class, () -> a.free(p + P, 1));
        assertEquals(before, a.stats().freePages());
    }

    @Test
    void partialOverlapWithFreePagesIsRefusedAndChangesNothing() {
        var a = new BuddyAllocator(map());
        long p = a.allocate(2, Long.MAX_VALUE);
        long before = a.stats().freePages();
        assertThrows(IllegalArgumentException.class, () -> a.free(p, 3));
        assertEquals(before, a.stats().freePages());
        a.free(p, 2); // still allocated, so this works
        assertEquals(before + 2, a.stats().freePages());
    }

    @Test
    void badRunsAreRefused() {
        var a = new BuddyAllocator(map());
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
        var a = new BuddyAllocator(map());
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
        var a = new BuddyAllocator(reservedFirst);
        assertEquals(2 * MIB / P - 1, a.stats().freePages());
        for (long i = 0, n = a.stats().freePages(); i < n; i++) {
            assertTrue(a.allocate(1, Long.MAX_VALUE) != 2 * MIB);
        }
    }

    // ------------------------------------------------------------------ the mm.buddy suite

    static Stream<DynamicTest> dynamic(SelfTestSuite suite) {
        return suite.tests().stream().map(t -> DynamicTest.dynamicTest(suite.name() + ": " + t.name(), () -> t.body().run()));
    }

    @TestFactory
    Stream<DynamicTest> buddySuiteOnTwoSimulatedCpus() {
        CpuRunner cpus = CpuRunner.simulated(2);
        return dynamic(new BuddySelfTests(cpus, new BuddyAllocator(BuddySelfTests.TEST_MAP, 2, cpus::current)));
    }

    @TestFactory
    Stream<DynamicTest> buddySuiteWithoutCpus() {
        return dynamic(new BuddySelfTests(CpuRunner.simulated(0), new BuddyAllocator(BuddySelfTests.TEST_MAP)));
    }

    @Test
    void suiteIsNamedAndCoversTheIssue() {
        var suite = new BuddySelfTests(CpuRunner.simulated(1), null);
        assertEquals("mm.buddy", suite.name());
        assertTrue(suite.tests().size() >= 9, "tests: " + suite.tests().size());
    }

    // ------------------------------------------------------------------ real machine maps

    private static void checkAgainstMachine(long memory) {
        try (Machine m = Machine.builder().memory(memory).cpus(1).build().powerOn()) {
            List<MemoryRegion> map = m.bootInfo().memoryMap();
            var a = new BuddyAllocator(map);
            a.checkConsistency();
            long usable = 0;
            for (Map.Entry<Long, Integer> e : a.freeBlocks().entrySet()) {
                long base = e.getKey();
                long end = base + ((long) P << e.getValue());
                assertTrue(base >= MIB, "first MiB is reserved: 0x" + Long.toHexString(base));
                boolean inUsable = false;
                for (MemoryRegion r : map) {
                    boolean overlaps = base < r.end() && end > r.base();
                    if (r.type() != Type.USABLE) {
                        assertFalse(overlaps, "free block 0x" + Long.toHexString(base) + " overlaps " + r);
                    } else if (base >= r.base() && end <= r.end()) {
                        inUsable = true;
                    }
                }
                assertTrue(inUsable, "free block 0x" + Long.toHexString(base) + " inside a USABLE region");
                assertEquals(Zone.of(base), Zone.of(end - 1), "block inside one zone");
                usable += end - base;
            }
            // every usable page above 1 MiB that no other region overlaps is managed
            long expected = 0;
            for (MemoryRegion r : map) {
                if (r.type() == Type.USABLE) {
                    long s = Math.max(r.base(), MIB);
                    long e = r.end();
                    for (MemoryRegion o : map) {
                        if (o.type() != Type.USABLE && o.base() < e && o.end() > s) {
                            e = Math.min(e, o.base()); // the machine puts ACPI at the top of low RAM
                        }
                    }
                    expected += Math.max(0, e / P - (s + P - 1) / P);
                }
            }
            assertEquals(expected, usable / P);
            assertEquals(expected, a.stats().totalPages());
            // handing out everything, biggest blocks first, never returns a page twice or a reserved one
            BitSet seen = new BitSet();
            long n = 0;
            for (int o = PageAllocator.MAX_ORDER; o >= 0; o--) {
                while (true) {
                    long b;
                    try {
                        b = a.allocPages(o, Zone.NORMAL);
                    } catch (OutOfPagesException e) {
                        break;
                    }
                    int f = (int) (b / P);
                    assertTrue(seen.nextSetBit(f) < 0 || seen.nextSetBit(f) >= f + (1 << o), "overlap at 0x" + Long.toHexString(b));
                    seen.set(f, f + (1 << o));
                    n += 1L << o;
                }
            }
            assertEquals(expected, n);
            assertEquals(0, a.stats().freePages());
        }
    }

    @Test
    void machineWith64MiB() {
        checkAgainstMachine(64L << 20);
    }

    @Test
    void machineAbove4GiBHasAllThreeZones() {
        long mem = 5L << 30;
        checkAgainstMachine(mem);
        try (Machine m = Machine.builder().memory(mem).cpus(1).build().powerOn()) {
            var s = new BuddyAllocator(m.bootInfo().memoryMap()).stats();
            long high = mem - Machine.LOW_RAM_LIMIT;
            assertEquals(high / P, s.zones().get(2).freePages(), "NORMAL = RAM above 4 GiB");
            assertEquals(15 * MIB / P, s.zones().get(0).freePages(), "DMA = 1..16 MiB");
            assertEquals(Zone.NORMAL, Zone.of(new BuddyAllocator(m.bootInfo().memoryMap()).allocPages(0, Zone.NORMAL)));
        }
    }
}
