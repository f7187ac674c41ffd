package kernel.mm.internal;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicIntegerArray;
import kernel.core.selftest.Check;
import kernel.core.selftest.SelfTest;
import kernel.core.selftest.SelfTestSuite;
import kernel.mm.OutOfPagesException;
import kernel.mm.PageAllocator;
import kernel.mm.Zone;
import platform.pc.MemoryRegion;
import platform.pc.MemoryRegion.Type;

/**
 * Self-test suite {@code mm.buddy}: the buddy allocator's behaviour. Every test but the last
 * builds a private {@link BuddyAllocator} over {@link #TEST_MAP} (a map with holes and all three
 * zones; the allocator keeps only bookkeeping, it never touches RAM, so this is safe in the
 * booted kernel), with per-CPU caches for the vCPUs of {@code cpus} (the booted machine's vCPU
 * threads in the kernel, a simulation under JUnit). The last test exercises the live allocator
 * on every vCPU when one is given. The JUnit tests run this suite as dynamic tests.
 */
public final class BuddySelfTests implements SelfTestSuite {
    private static final int P = PageAllocator.PAGE_SIZE;
    private static final long MIB = 1L << 20;
    private static final long G4 = 1L << 32;

    /**
     * Low RAM with the EBDA, 1..40 MiB with a 3-page hole at 5 MiB and ACPI tables over its last
     * 64 KiB, the PCI holes, and 24 MiB at 4 GiB with a 5-page hole.
     */
    public static final List<MemoryRegion> TEST_MAP = List.of(
            new MemoryRegion(0, 0x9FC00, Type.USABLE),
            new MemoryRegion(0x9FC00, 0x100000 - 0x9FC00, Type.RESERVED),
            new MemoryRegion(MIB, 39 * MIB, Type.USABLE),
            new MemoryRegion(5 * MIB, 3 * P, Type.RESERVED),
            new MemoryRegion(40 * MIB - 0x10000, 0x10000, Type.ACPI),
            new MemoryRegion(0xB000_0000L, 0x1000_0000L, Type.MMIO),
            new MemoryRegion(0xC000_0000L, 0x4000_0000L, Type.MMIO),
            new MemoryRegion(G4, 24 * MIB, Type.USABLE),
            new MemoryRegion(G4 + 10 * MIB + P, 5 * P, Type.RESERVED));

    /** Managed pages of {@link #TEST_MAP} per zone. */
    static final long DMA_PAGES = 15 * MIB / P - 3;
    static final long DMA32_PAGES = (24 * MIB - 0x10000) / P;
    static final long NORMAL_PAGES = 24 * MIB / P - 5;

    static boolean forbidden(long page) {
        return page < MIB
                || (page >= 5 * MIB && page < 5 * MIB + 3 * P)
                || (page >= 40 * MIB - 0x10000 && page < G4)
                || (page >= G4 + 10 * MIB + P && page < G4 + 10 * MIB + 6 * P)
                || page >= G4 + 24 * MIB;
    }

    private final CpuRunner cpus;
    private final PageAllocator live;

    /**
     * @param cpus where per-CPU steps run
     * @param live the kernel's allocator for the last test, or null to skip it
     */
    public BuddySelfTests(CpuRunner cpus, PageAllocator live) {
        this.cpus = cpus;
        this.live = live;
    }

    @Override
    public String name() {
        return "mm.buddy";
    }

    @Override
    public List<SelfTest> tests() {
        List<SelfTest> t = new ArrayList<>();
        t.add(new SelfTest("initial free lists are maximal aligned blocks of usable RAM", this::initialLists));
        t.add(new SelfTest("reserved ranges are never handed out", this::reservedNeverHandedOut));
        for (long seed : new long[] {1, 2, 3}) {
            t.add(new SelfTest("random alloc/free (seed " + seed + ") never overlaps and coalesces back", () -> random(seed)));
        }
        t.add(new SelfTest("zone fallback NORMAL, DMA32, DMA and never upwards", this::zoneFallback));
        t.add(new SelfTest("reference counts: putPage frees at 0, freePages of a shared block refused", this::refcounts));
        t.add(new SelfTest("double free, wrong order and foreign addresses refused, lists unchanged", this::badFrees));
        t.add(new SelfTest("per-CPU caches: refill, free, high watermark, drain", this::perCpuCaches));
        t.add(new SelfTest("legacy runs: exact page counts, limit honoured", this::legacyRuns));
        t.add(new SelfTest("concurrent alloc/free on every vCPU and a non-vCPU thread", this::concurrent));
        if (live != null) {
            t.add(new SelfTest("live allocator: blocks on every vCPU are distinct and counted", this::liveAllocator));
        }
        return t;
    }

    private BuddyAllocator fresh() {
        return new BuddyAllocator(TEST_MAP, cpus.cpus(), cpus::current);
    }

    private <T> T on(int cpu, Callable<T> task) throws Exception {
        return cpu < 0 ? task.call() : cpus.on(cpu, task);
    }

    private static String hex(long x) {
        return "0x" + Long.toHexString(x);
    }

    // ------------------------------------------------------------------ tests

    void initialLists() {
        BuddyAllocator a = fresh();
        a.checkConsistency();
        PageAllocator.Stats s = a.stats();
        Check.equal(DMA_PAGES + DMA32_PAGES + NORMAL_PAGES, s.totalPages(), "total pages");
        Check.equal(s.totalPages(), s.freePages(), "all free");
        Check.equal(DMA_PAGES, s.zones().get(0).freePages(), "DMA pages");
        Check.equal(DMA32_PAGES, s.zones().get(1).freePages(), "DMA32 pages");
        Check.equal(NORMAL_PAGES, s.zones().get(2).freePages(), "NORMAL pages");
        for (Map.Entry<Long, Integer> e : a.freeBlocks().entrySet()) {
            long base = e.getKey();
            int o = e.getValue();
            Check.equal(0, (base / P) % (1L << o), "block " + hex(base) + " aligned to its order " + o);
            Check.isTrue(Zone.of(base) == Zone.of(base + ((long) P << o) - 1), "block " + hex(base) + " inside one zone");
            for (long p = base; p < base + ((long) P << o); p += P) {
                Check.isFalse(forbidden(p), "free block " + hex(base) + " holds reserved page " + hex(p));
            }
        }
        // 16 MiB..40 MiB-64K: 16M is aligned to 4 MiB, so it starts with order-10 blocks
        Check.equal(10, (int) a.freeBlocks().get(16 * MIB), "order of the block at 16 MiB");
    }

    void reservedNeverHandedOut() {
        BuddyAllocator a = fresh();
        long n = 0;
        for (int o = PageAllocator.MAX_ORDER; o >= 0; o--) {
            while (true) {
                long b;
                try {
                    b = a.allocPages(o, Zone.NORMAL);
                } catch (OutOfPagesException e) {
                    break;
                }
                for (long p = b; p < b + ((long) P << o); p += P) {
                    Check.isFalse(forbidden(p), "handed out reserved page " + hex(p));
                }
                n += 1L << o;
            }
        }
        Check.equal(a.stats().totalPages(), n, "pages handed out");
        Check.equal(0, a.stats().freePages(), "free pages left");
    }

    void random(long seed) throws Exception {
        BuddyAllocator a = fresh();
        a.checkConsistency();
        TreeMap<Long, Integer> initial = a.freeBlocks();
        long total = a.stats().totalPages();
        Random rnd = new Random(seed);
        BitSet used = new BitSet();
        List<long[]> held = new ArrayList<>(); // phys, order
        long usedPages = 0;
        Zone[] zones = Zone.values();
        for (int step = 0; step < 4000; step++) {
            int cpu = cpus.cpus() == 0 ? -1 : rnd.nextInt(cpus.cpus() + 1) - 1;
            if (held.isEmpty() || rnd.nextInt(5) < 3) {
                int order = rnd.nextInt(8) == 0 ? rnd.nextInt(PageAllocator.MAX_ORDER + 1) : rnd.nextInt(4);
                Zone zone = zones[rnd.nextInt(zones.length)];
                long b;
                try {
                    b = on(cpu, () -> a.allocPages(order, zone));
                } catch (OutOfPagesException e) {
                    continue;
                }
                Check.equal(0, (b / P) % (1L << order), "block " + hex(b) + " aligned to order " + order);
                Check.isTrue(Zone.of(b).ordinal() <= zone.ordinal(), "block " + hex(b) + " for zone " + zone + " from a higher zone");
                Check.isTrue(Zone.of(b) == Zone.of(b + ((long) P << order) - 1), "block " + hex(b) + " crosses a zone boundary");
                int f = (int) (b / P);
                for (int k = 0; k < 1 << order; k++) {
                    Check.isFalse(forbidden(b + (long) k * P), "reserved page handed out in " + hex(b));
                    Check.isFalse(used.get(f + k), "page " + hex(b + (long) k * P) + " handed out twice");
                }
                used.set(f, f + (1 << order));
                usedPages += 1L << order;
                Check.equal(1, a.pageCount(b), "count of a new block");
                held.add(new long[] {b, order});
            } else {
                long[] h = held.remove(rnd.nextInt(held.size()));
                on(cpu, () -> {
                    a.freePages(h[0], (int) h[1]);
                    return null;
                });
                used.clear((int) (h[0] / P), (int) (h[0] / P + (1 << h[1])));
                usedPages -= 1L << h[1];
            }
            Check.equal(total - usedPages, a.stats().freePages(), "free pages after step " + step);
            if (step % 500 == 0) {
                a.checkConsistency();
            }
        }
        for (long[] h : held) {
            a.freePages(h[0], (int) h[1]);
        }
        a.drainCaches();
        a.checkConsistency();
        Check.equal(0, a.stats().cachedPages(), "cached pages after drain");
        Check.equal(initial, a.freeBlocks(), "free lists after freeing everything");
    }

    void zoneFallback() {
        BuddyAllocator a = fresh();
        // DMA requests: only DMA pages, then out of pages although DMA32 and NORMAL are free
        long n = 0;
        while (true) {
            long b;
            try {
                b = a.allocPages(0, Zone.DMA);
            } catch (OutOfPagesException e) {
                break;
            }
            Check.equal(Zone.DMA, Zone.of(b), "zone of " + hex(b));
            n++;
        }
        Check.equal(DMA_PAGES, n, "DMA pages handed out");
        Check.equal(DMA32_PAGES + NORMAL_PAGES, a.stats().freePages(), "higher zones untouched");

        BuddyAllocator b = fresh();
        // NORMAL requests: NORMAL first, then DMA32, then DMA, in that order
        List<Zone> seen = new ArrayList<>();
        long count = 0;
        while (true) {
            long x;
            try {
                x = b.allocPages(2, Zone.NORMAL);
            } catch (OutOfPagesException e) {
                break;
            }
            Zone z = Zone.of(x);
            if (seen.isEmpty() || seen.get(seen.size() - 1) != z) {
                seen.add(z);
            }
            count++;
        }
        Check.equal(List.of(Zone.NORMAL, Zone.DMA32, Zone.DMA), seen, "zones in allocation order");
        Check.isTrue(count > 0, "allocated");
        // DMA32 requests never take NORMAL pages
        BuddyAllocator c = fresh();
        while (true) {
            long x;
            try {
                x = c.allocPages(3, Zone.DMA32);
            } catch (OutOfPagesException e) {
                break;
            }
            Check.isTrue(Zone.of(x) != Zone.NORMAL, "DMA32 request served from NORMAL: " + hex(x));
        }
        Check.equal(NORMAL_PAGES, c.stats().zones().get(2).freePages(), "NORMAL untouched by DMA32 requests");
    }

    void refcounts() {
        BuddyAllocator a = fresh();
        long b = a.allocPages(2, Zone.DMA32);
        Check.equal(1, a.pageCount(b), "count after alloc");
        a.getPage(b);
        a.getPage(b);
        Check.equal(3, a.pageCount(b), "count after two gets");
        TreeMap<Long, Integer> lists = a.freeBlocks();
        Check.fails(IllegalStateException.class, () -> a.freePages(b, 2), "freePages of a shared block");
        Check.equal(lists, a.freeBlocks(), "free lists after a refused free");
        Check.isFalse(a.putPage(b), "put 3 -> 2 frees nothing");
        Check.isFalse(a.putPage(b), "put 2 -> 1 frees nothing");
        Check.equal(1, a.pageCount(b), "count after two puts");
        long free = a.stats().freePages();
        Check.isTrue(a.putPage(b), "put 1 -> 0 frees");
        Check.equal(free + 4, a.stats().freePages(), "free pages after the last put");
        Check.equal(0, a.pageCount(b), "count of a free block");
        Check.fails(IllegalArgumentException.class, () -> a.putPage(b), "put of a free block");
        Check.fails(IllegalArgumentException.class, () -> a.getPage(b), "get of a free block");
        a.checkConsistency();
    }

    void badFrees() {
        BuddyAllocator a = fresh();
        long b0 = a.allocPages(0, Zone.DMA32);
        long b3 = a.allocPages(3, Zone.NORMAL);
        a.freePages(b0, 0);
        TreeMap<Long, Integer> lists = a.freeBlocks();
        long free = a.stats().freePages();
        IllegalArgumentException e = Check.fails(IllegalArgumentException.class, () -> a.freePages(b0, 0), "double free");
        Check.isTrue(e.getMessage().contains("double free") && e.getMessage().contains(hex(b0)), "message: " + e.getMessage());
        e = Check.fails(IllegalArgumentException.class, () -> a.freePages(b3, 2), "wrong order");
        Check.isTrue(e.getMessage().contains("order 3") && e.getMessage().contains("order 2"), "message: " + e.getMessage());
        e = Check.fails(IllegalArgumentException.class, () -> a.freePages(b3 + P, 0), "tail page");
        Check.isTrue(e.getMessage().contains("not the head"), "message: " + e.getMessage());
        e = Check.fails(IllegalArgumentException.class, () -> a.freePages(0xB000_0000L, 0), "MMIO");
        Check.isTrue(e.getMessage().contains("not RAM"), "message: " + e.getMessage());
        e = Check.fails(IllegalArgumentException.class, () -> a.freePages(5 * MIB, 0), "reserved hole");
        Check.isTrue(e.getMessage().contains("reserved"), "message: " + e.getMessage());
        Check.fails(IllegalArgumentException.class, () -> a.freePages(0, 0), "page 0");
        Check.fails(IllegalArgumentException.class, () -> a.freePages(b3 + 1, 3), "unaligned");
        Check.fails(IllegalArgumentException.class, () -> a.freePages(b3, 11), "order 11");
        Check.fails(IllegalArgumentException.class, () -> a.allocPages(-1, Zone.DMA), "order -1");
        Check.fails(IllegalArgumentException.class, () -> a.free(b0, 1), "double free of a run");
        Check.equal(lists, a.freeBlocks(), "free lists unchanged by refused frees");
        Check.equal(free, a.stats().freePages(), "free pages unchanged");
        // a page that merged into a larger free block is still a double free
        long big = a.allocPages(4, Zone.DMA);
        a.freePages(big, 4);
        e = Check.fails(IllegalArgumentException.class, () -> a.freePages(big + 3 * P, 0), "free inside a free block");
        Check.isTrue(e.getMessage().contains("double free"), "message: " + e.getMessage());
        a.freePages(b3, 3);
        a.checkConsistency();
    }

    void perCpuCaches() throws Exception {
        if (cpus.cpus() == 0) {
            return;
        }
        BuddyAllocator a = fresh();
        TreeMap<Long, Integer> initial = a.freeBlocks();
        long total = a.stats().freePages();
        int[] lim = a.pcpLimits(Zone.DMA32);
        int batch = lim[0];
        int high = lim[1];
        long p = on(0, () -> a.allocPages(0, Zone.DMA32));
        Check.equal(Zone.DMA32, Zone.of(p), "zone");
        Check.equal(batch - 1, a.cachedOn(Zone.DMA32, 0), "cache after the first allocation refilled a batch");
        Check.equal(total - 1, a.stats().freePages(), "cached pages count as free");
        Check.equal(batch - 1, a.stats().cachedPages(), "cached pages");
        long q = on(0, () -> a.allocPages(0, Zone.DMA32));
        Check.equal(batch - 2, a.cachedOn(Zone.DMA32, 0), "second allocation from the cache");
        // a page freed on a vCPU goes to that vCPU's cache, and is the next one it hands out
        on(0, () -> {
            a.freePages(q, 0);
            return null;
        });
        Check.equal(batch - 1, a.cachedOn(Zone.DMA32, 0), "cache after a free");
        Check.equal(q, (long) on(0, () -> a.allocPages(0, Zone.DMA32)), "LIFO: the freed page comes back first");
        Check.fails(IllegalArgumentException.class, () -> a.freePages(p + P * 4096L * 1024, 0), "foreign");
        if (cpus.cpus() > 1) {
            on(1, () -> {
                a.freePages(p, 0);
                return null;
            });
            Check.equal(1, a.cachedOn(Zone.DMA32, 1), "freed on vCPU 1: in vCPU 1's cache");
            IllegalArgumentException e = Check.fails(IllegalArgumentException.class,
                    () -> on(0, () -> {
                        a.freePages(p, 0);
                        return null;
                    }), "double free of a cached page");
            Check.isTrue(e.getMessage().contains("double free"), "message: " + e.getMessage());
        } else {
            on(0, () -> {
                a.freePages(p, 0);
                return null;
            });
        }
        on(0, () -> {
            a.freePages(q, 0);
            return null;
        });
        // high watermark: freeing many pages on vCPU 0 never lets its cache reach high
        List<Long> many = new ArrayList<>();
        for (int i = 0; i < 3 * high; i++) {
            many.add(a.allocPages(0, Zone.DMA32)); // not a vCPU: straight from the buddy lists
        }
        on(0, () -> {
            for (long x : many) {
                a.freePages(x, 0);
                Check.isTrue(a.cachedOn(Zone.DMA32, 0) < high, "cache below its high watermark " + high);
            }
            return null;
        });
        Check.equal(total, a.stats().freePages(), "everything free");
        Check.isTrue(a.stats().cachedPages() > 0, "some pages cached");
        a.drainCaches();
        Check.equal(0, a.stats().cachedPages(), "cached pages after drain");
        Check.equal(total, a.stats().freePages(), "free pages after drain");
        a.checkConsistency();
        Check.equal(initial, a.freeBlocks(), "free lists after drain");
        // a vCPU index the allocator has no cache for goes to the buddy lists
        long r = a.allocPages(0, Zone.DMA);
        Check.equal(0, a.cachedOn(Zone.DMA, 0), "no cache used off-vCPU");
        a.freePages(r, 0);
        Check.equal(initial, a.freeBlocks(), "free lists after an uncached alloc/free");
    }

    void legacyRuns() {
        BuddyAllocator a = fresh();
        TreeMap<Long, Integer> initial = a.freeBlocks();
        long free = a.stats().freePages();
        long r = a.allocate(5, G4);
        Check.isTrue(r + 5L * P <= G4, "below the limit");
        Check.equal(free - 5, a.stats().freePages(), "exactly 5 pages taken (tail of the order-3 block given back)");
        Check.equal(1, a.pageCount(r), "first page is a block head");
        long low = a.allocate(3, 2 * MIB);
        Check.isTrue(low >= MIB && low + 3L * P <= 2 * MIB, "below 2 MiB: " + hex(low));
        IllegalArgumentException e = Check.fails(IllegalArgumentException.class, () -> a.free(r, 6), "free beyond the run");
        Check.isTrue(e.getMessage().contains("free"), e.getMessage());
        Check.equal(free - 8, a.stats().freePages(), "refused free changed nothing");
        a.free(r, 5);
        a.free(low, 3);
        Check.fails(IllegalArgumentException.class, () -> a.free(r, 5), "double free of a run");
        Check.fails(OutOfPagesException.class, () -> a.allocate(1, MIB), "nothing below 1 MiB");
        Check.fails(OutOfPagesException.class, () -> a.allocate(1025, G4), "larger than order 10");
        a.checkConsistency();
        Check.equal(initial, a.freeBlocks(), "free lists after freeing the runs");
    }

    void concurrent() throws Exception {
        BuddyAllocator a = fresh();
        TreeMap<Long, Integer> initial = a.freeBlocks();
        int workers = cpus.cpus() + 1; // every vCPU, plus one thread that is not a vCPU
        AtomicIntegerArray owner = new AtomicIntegerArray((int) ((G4 + 24 * MIB) / P));
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        Zone[] zones = Zone.values();
        CyclicBarrier start = new CyclicBarrier(workers);
        for (int w = 0; w < workers; w++) {
            int id = w + 1;
            int cpu = w < cpus.cpus() ? w : -1;
            threads.add(Thread.ofPlatform().daemon().name("mm-selftest-" + w).start(() -> {
                try {
                    on(cpu, () -> {
                        Random rnd = new Random(100 + id);
                        List<long[]> held = new ArrayList<>();
                        start.await(10, java.util.concurrent.TimeUnit.SECONDS); // all workers at once
                        for (int step = 0; step < 40_000; step++) {
                            if (held.isEmpty() || rnd.nextInt(5) < 3) {
                                int order = rnd.nextInt(2) == 0 ? rnd.nextInt(4) : 0;
                                long b;
                                try {
                                    b = a.allocPages(order, zones[rnd.nextInt(zones.length)]);
                                } catch (OutOfPagesException e) {
                                    continue;
                                }
                                int f = (int) (b / P);
                                for (int k = 0; k < 1 << order; k++) {
                                    if (!owner.compareAndSet(f + k, 0, id)) {
                                        throw new AssertionError("page " + hex(b + (long) k * P) + " handed to worker " + id
                                                + " while worker " + owner.get(f + k) + " holds it");
                                    }
                                }
                                held.add(new long[] {b, order});
                            } else {
                                long[] h = held.remove(rnd.nextInt(held.size()));
                                for (int k = 0; k < 1 << h[1]; k++) {
                                    owner.set((int) (h[0] / P) + k, 0);
                                }
                                a.freePages(h[0], (int) h[1]);
                            }
                        }
                        for (long[] h : held) {
                            for (int k = 0; k < 1 << h[1]; k++) {
                                owner.set((int) (h[0] / P) + k, 0);
                            }
                            a.freePages(h[0], (int) h[1]);
                        }
                        return null;
                    });
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread th : threads) {
            th.join(60_000);
            Check.isFalse(th.isAlive(), th.getName() + " finished within 60 s");
        }
        if (!errors.isEmpty()) {
            Throwable e = errors.peek();
            throw new AssertionError(errors.size() + " worker(s) failed: " + e, e);
        }
        Check.equal(a.stats().totalPages(), a.stats().freePages(), "all pages free again");
        a.drainCaches();
        a.checkConsistency();
        Check.equal(initial, a.freeBlocks(), "free lists after the concurrent run");
    }

    void liveAllocator() throws Exception {
        int n = Math.max(1, cpus.cpus());
        List<long[]> held = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            int cpu = cpus.cpus() == 0 ? -1 : c;
            held.addAll(on(cpu, () -> {
                List<long[]> mine = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    mine.add(new long[] {live.allocPages(0, Zone.NORMAL), 0});
                }
                for (int o = 1; o <= 4; o++) {
                    mine.add(new long[] {live.allocPages(o, Zone.DMA32), o});
                }
                return mine;
            }));
        }
        TreeMap<Long, Long> ranges = new TreeMap<>();
        for (long[] h : held) {
            Check.equal(1, live.pageCount(h[0]), "count of " + hex(h[0]));
            long end = h[0] + ((long) P << h[1]);
            Map.Entry<Long, Long> before = ranges.floorEntry(h[0]);
            Check.isTrue(before == null || before.getValue() <= h[0], "blocks overlap at " + hex(h[0]));
            Map.Entry<Long, Long> after = ranges.ceilingEntry(h[0]);
            Check.isTrue(after == null || after.getKey() >= end, "blocks overlap at " + hex(h[0]));
            ranges.put(h[0], end);
        }
        for (int c = 0; c < n; c++) {
            int cpu = cpus.cpus() == 0 ? -1 : c;
            int from = c * (held.size() / n);
            List<long[]> mine = held.subList(from, from + held.size() / n);
            on(cpu, () -> {
                for (long[] h : mine) {
                    live.freePages(h[0], (int) h[1]);
                }
                return null;
            });
        }
        for (long[] h : held) {
            Check.equal(0, live.pageCount(h[0]), "count of freed " + hex(h[0]));
        }
    }
}
