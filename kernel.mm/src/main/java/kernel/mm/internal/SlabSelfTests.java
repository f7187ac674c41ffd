package kernel.mm.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import kernel.core.hal.PhysMem;
import kernel.core.selftest.Check;
import kernel.core.selftest.SelfTest;
import kernel.core.selftest.SelfTestSuite;
import kernel.mm.PageAllocator;
import kernel.mm.SlabCache;
import kernel.mm.Zone;

/**
 * Self-test suite {@code mm.slab}: slab caches on a page allocator and physical memory. In the
 * booted kernel they are the kernel's allocator and RAM (each test creates its own caches and
 * destroys them); under JUnit, an allocator over an emulated machine's map. The JUnit tests run
 * this suite as dynamic tests.
 */
public final class SlabSelfTests implements SelfTestSuite {
    private final PageAllocator pages;
    private final PhysMem mem;

    public SlabSelfTests(PageAllocator pages, PhysMem mem) {
        this.pages = pages;
        this.mem = mem;
    }

    @Override
    public String name() {
        return "mm.slab";
    }

    @Override
    public List<SelfTest> tests() {
        return List.of(
                new SelfTest("objects are distinct, aligned, inside slab pages and zeroed", this::objects),
                new SelfTest("poisoning catches a write after free", this::poisoning),
                new SelfTest("double free and foreign addresses refused, cache consistent", this::doubleFree),
                new SelfTest("destroy refused while objects are live, then gives every page back", this::destroy),
                new SelfTest("statistics follow slabs and objects", this::stats),
                new SelfTest("bad sizes and alignments refused", this::badArgs));
    }

    private SlabCacheImpl cache(String name, int size, int align, boolean debug) {
        return new SlabCacheImpl(name, size, align, Zone.DMA32, debug, pages, mem, c -> { });
    }

    private static String hex(long x) {
        return "0x" + Long.toHexString(x);
    }

    void objects() {
        for (int[] shape : new int[][] {{64, 64}, {24, 8}, {100, 16}, {4096, 4096}, {5000, 64}}) {
            int size = shape[0];
            int align = shape[1];
            SlabCacheImpl c = cache("selftest-" + size, size, align, false);
            try {
                Set<Long> seen = new HashSet<>();
                List<Long> objs = new ArrayList<>();
                int n = 3 * c.stats().objectsPerSlab() + 1;
                for (int i = 0; i < n; i++) {
                    long a = c.alloc();
                    Check.equal(0, a % align, "object " + hex(a) + " aligned to " + align);
                    Check.isTrue(seen.add(a), "object " + hex(a) + " handed out twice");
                    Check.isTrue(c.inSlab(a, size), "object " + hex(a) + " inside a slab");
                    Check.isTrue(Zone.of(a) != Zone.NORMAL, "slab in DMA32 or below");
                    objs.add(a);
                }
                List<Long> sorted = new ArrayList<>(seen);
                sorted.sort(null);
                for (int i = 1; i < sorted.size(); i++) {
                    Check.isTrue(sorted.get(i) - sorted.get(i - 1) >= size, "objects " + hex(sorted.get(i - 1)) + " and "
                            + hex(sorted.get(i)) + " overlap");
                }
                // dirty one object, free it, allocate again: zeroed
                long a = objs.remove(objs.size() - 1);
                byte[] junk = new byte[size];
                java.util.Arrays.fill(junk, (byte) 0xA5);
                mem.write(a, junk, 0, size);
                c.free(a);
                long b = c.alloc();
                Check.equal(a, b, "the freed object is reused first");
                byte[] got = new byte[size];
                mem.read(b, got, 0, size);
                Check.isTrue(java.util.Arrays.equals(new byte[size], got), "object " + hex(b) + " zeroed on alloc");
                objs.add(b);
                for (long x : objs) {
                    c.free(x);
                }
            } finally {
                c.reclaim();
            }
        }
    }

    void poisoning() {
        SlabCacheImpl c = cache("selftest-poison", 48, 16, true);
        try {
            long a = c.alloc();
            long keep = c.alloc();
            c.free(a);
            for (int i = 0; i < 48; i++) {
                Check.equal(SlabCache.POISON, mem.read8(a + i), "poison byte +" + i + " of a freed object");
            }
            mem.write8(a + 5, 0x42); // use after free
            IllegalStateException e = Check.fails(IllegalStateException.class, c::alloc, "allocation of a corrupted object");
            Check.isTrue(e.getMessage().contains("selftest-poison") && e.getMessage().contains(hex(a))
                    && e.getMessage().contains("+5"), "message names cache, address and offset: " + e.getMessage());
            Check.equal(1, c.stats().poisonErrors(), "poison errors counted");
            Check.equal(1, c.stats().activeObjects(), "the corrupted object stays free");
            long b = c.alloc();
            Check.equal(a, b, "re-poisoned object handed out next");
            Check.equal(0, mem.read8(b + 5), "and zeroed");
            Check.equal(2, c.stats().activeObjects(), "active objects");
            c.free(b);
            c.free(keep);
        } finally {
            c.reclaim();
        }
    }

    void doubleFree() {
        for (boolean debug : new boolean[] {false, true}) {
            SlabCacheImpl c = cache("selftest-df", 32, 8, debug);
            try {
                long a = c.alloc();
                long b = c.alloc();
                c.free(a);
                SlabCache.Stats before = c.stats();
                IllegalStateException e = Check.fails(IllegalStateException.class, () -> c.free(a), "double free");
                Check.isTrue(e.getMessage().contains("selftest-df") && e.getMessage().contains(hex(a))
                        && e.getMessage().contains("double free"), "message: " + e.getMessage());
                Check.equal(before, c.stats(), "stats unchanged by a refused free");
                Check.fails(IllegalArgumentException.class, () -> c.free(b + 4), "address inside an object");
                Check.fails(IllegalArgumentException.class, () -> c.free(b + (1L << 40)), "address outside the cache");
                Check.equal(before, c.stats(), "stats unchanged");
                long x = c.alloc();
                long y = c.alloc();
                Check.isTrue(x != y && x != b && y != b, "cache still hands out distinct objects");
                c.free(x);
                c.free(y);
                c.free(b);
                Check.equal(0, c.stats().activeObjects(), "no live objects");
            } finally {
                c.reclaim();
            }
        }
    }

    void destroy() {
        SlabCacheImpl c = cache("selftest-destroy", 256, 64, true);
        List<Long> objs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            objs.add(c.alloc());
        }
        long slabBytes = (long) PageAllocator.PAGE_SIZE << c.slabOrder();
        Set<Long> slabs = new HashSet<>();
        for (long a : objs) {
            slabs.add(a & -slabBytes);
        }
        for (long s : slabs) {
            Check.equal(1, pages.pageCount(s), "slab " + hex(s) + " allocated from the page allocator");
        }
        IllegalStateException e = Check.fails(IllegalStateException.class, c::destroy, "destroy with live objects");
        Check.isTrue(e.getMessage().contains("selftest-destroy") && e.getMessage().contains("40"), "message: " + e.getMessage());
        Check.equal(40, c.stats().activeObjects(), "cache intact after a refused destroy");
        for (long a : objs) {
            c.free(a);
        }
        c.destroy();
        for (long s : slabs) {
            Check.equal(0, pages.pageCount(s), "slab " + hex(s) + " back in the page allocator");
        }
        Check.fails(IllegalStateException.class, c::alloc, "alloc after destroy");
        Check.fails(IllegalStateException.class, c::destroy, "second destroy");
    }

    void stats() {
        SlabCacheImpl c = cache("selftest-stats", 512, 512, false);
        try {
            SlabCache.Stats s = c.stats();
            Check.equal(512, s.stride(), "stride");
            Check.equal(8, s.objectsPerSlab(), "objects per slab (order 0 holds 8)");
            Check.equal(1, s.pagesPerSlab(), "pages per slab");
            Check.equal(0, s.slabs(), "no slab before the first allocation");
            List<Long> objs = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                objs.add(c.alloc());
            }
            s = c.stats();
            Check.equal(9, s.activeObjects(), "active");
            Check.equal(16, s.totalObjects(), "total");
            Check.equal(2, s.slabs(), "slabs");
            Check.equal(2, s.pages(), "pages");
            for (long a : objs) {
                c.free(a);
            }
            s = c.stats();
            Check.equal(0, s.activeObjects(), "active after freeing all");
            Check.equal(1, s.slabs(), "one empty slab kept, the other given back");
            Check.equal(1, c.shrink(), "shrink gives the empty slab's page back");
            Check.equal(0, c.stats().pages(), "no pages after shrink");
        } finally {
            c.reclaim();
        }
    }

    void badArgs() {
        Check.fails(IllegalArgumentException.class, () -> cache("x", 0, 8, false), "size 0");
        Check.fails(IllegalArgumentException.class, () -> cache("x", (1 << 20) + 1, 8, false), "size over 1 MiB");
        Check.fails(IllegalArgumentException.class, () -> cache("x", 64, 24, false), "alignment 24");
        Check.fails(IllegalArgumentException.class, () -> cache("x", 64, 8192, false), "alignment 8192");
        Check.fails(IllegalArgumentException.class, () -> cache(" ", 64, 8, false), "blank name");
    }
}
