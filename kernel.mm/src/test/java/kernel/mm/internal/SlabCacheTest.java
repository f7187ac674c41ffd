package kernel.mm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import kernel.core.hal.MachineHal;
import kernel.core.hal.PhysMem;
import kernel.mm.SlabCache;
import kernel.mm.Zone;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import platform.pc.Machine;

/** Slab caches: the {@code mm.slab} self-test suite on an emulated machine, module reclaim and meminfo. */
class SlabCacheTest {
    private Machine machine;
    private PhysMem mem;
    private BuddyAllocator pages;

    @BeforeEach
    void boot() {
        machine = Machine.builder().memory(64L << 20).cpus(1).build().powerOn();
        mem = new MachineHal(machine).memory();
        pages = new BuddyAllocator(machine.bootInfo().memoryMap());
    }

    @AfterEach
    void off() {
        machine.close();
    }

    @TestFactory
    Stream<DynamicTest> slabSuite() {
        long free = pages.stats().freePages();
        return Stream.concat(BuddyAllocatorTest.dynamic(new SlabSelfTests(pages, mem)),
                Stream.of(DynamicTest.dynamicTest("every page back after the suite", () -> {
                    assertEquals(free, pages.stats().freePages());
                    pages.checkConsistency();
                })));
    }

    @Test
    void moduleGoingAwayDestroysItsCaches() {
        long free = pages.stats().freePages();
        List<SlabCacheImpl> all = new CopyOnWriteArrayList<>();
        ModuleSlabs a = new ModuleSlabs(pages, mem, "drivers.a", all);
        ModuleSlabs b = new ModuleSlabs(pages, mem, "drivers.b", all);
        SlabCache ring = a.create("a-ring", 1024, 4096, Zone.DMA32, false);
        SlabCache pt = b.create("b-pt", 4096, 4096, true);
        ring.alloc();
        ring.alloc();
        pt.alloc();
        assertEquals(List.of("a-ring", "b-pt"), a.caches().stream().map(SlabCache.Stats::name).toList());
        assertEquals(1, a.reclaim());
        assertEquals(List.of("b-pt"), b.caches().stream().map(SlabCache.Stats::name).toList());
        String info = MemoryManager.format(pages.stats(), MemoryManager.pcpTable(new BuddyAllocator(machine.bootInfo().memoryMap(), 2, () -> 1)),
                b.caches(), Map.of());
        assertTrue(info.contains("cpu1"), info);
        assertTrue(info.contains("b-pt"), info);
        assertTrue(info.contains("DMA32"), info);
        assertTrue(info.contains("MemTotal:"), info);
        assertTrue(info.matches("(?s).*Slab:\\s+32 kB.*"), info);
        assertEquals(1, b.reclaim());
        assertEquals(0, b.reclaim());
        assertEquals(free, pages.stats().freePages());
        assertTrue(all.isEmpty());
    }

    @Test
    void slubDebugForcesDebugMode() {
        List<SlabCacheImpl> all = new CopyOnWriteArrayList<>();
        SlabCacheImpl plain = (SlabCacheImpl) new ModuleSlabs(pages, mem, "m", all).create("plain", 32, 8, false);
        SlabCacheImpl forced = (SlabCacheImpl) new ModuleSlabs(pages, mem, "m", all, true).create("forced", 32, 8, false);
        assertTrue(!plain.debug() && forced.debug());
        long a = forced.alloc();
        forced.free(a);
        assertEquals(SlabCache.POISON, mem.read8(a + 31));
        plain.destroy();
        forced.destroy();
        assertTrue(all.isEmpty());
    }
}
