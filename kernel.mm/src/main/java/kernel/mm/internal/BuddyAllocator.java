package kernel.mm.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.IntSupplier;
import kernel.mm.OutOfPagesException;
import kernel.mm.PageAllocator;
import kernel.mm.Zone;
import platform.pc.MemoryRegion;

/**
 * The binary buddy allocator (orders 0..{@link #MAX_ORDER}) with zones and per-CPU page caches.
 *
 * <p><b>What is managed.</b> The whole pages of the memory map's USABLE regions, except the
 * first MiB (page 0, the real-mode IVT/BDA, the AP startup page at 0x8000 and the BIOS area
 * stay reserved, as {@code CONFIG_X86_RESERVE_LOW} does) and except any page that a non-USABLE
 * region (RESERVED, ACPI, MMIO) overlaps, whichever order the map lists them in. Partial pages
 * at region edges are not used. Each zone's runs of managed pages are split into maximal
 * naturally aligned blocks, so the initial free lists are canonical: no two free buddies of
 * equal order exist, and freeing everything restores exactly them.
 *
 * <p><b>Metadata.</b> One {@link Area} per zone covers the zone's span of usable RAM, aligned
 * to 1024 pages (so an index in the area has the alignment of its frame number); per page it
 * keeps a {@code byte} state ({@link #FREE}|order on the head of a free block, {@link #ALLOC}|order
 * on the head of an allocated block, {@link #PCP} on a page in a per-CPU cache,
 * {@link #RESERVED}, or 0 inside a block), an {@code int} reference count and two {@code int}
 * free-list links: 13 bytes per page, no object per page (16 GiB = 4M pages = 52 MB of heap).
 * Free lists are intrusive doubly-linked lists through those link arrays, so insert, unlink,
 * split and merge are O(1) per order; a bad free is diagnosed in O(1) (head state) or
 * O(MAX_ORDER) (the walk that tells a double free inside a merged block from a tail page).
 *
 * <p><b>Per-CPU caches</b> (Linux's pcp lists): for each zone and each vCPU, a stack of free
 * order-0 pages. An order-0 allocation on a vCPU (index from the supplier, normally
 * {@code hal.currentCpu()}; -1 = not a vCPU: no cache) pops one, refilling {@link Area#batch}
 * pages from the buddy lists under the zone lock when empty; an order-0 free pushes onto the
 * freeing vCPU's cache of the page's zone and, when it reaches {@link Area#high}, returns the
 * {@code batch} oldest pages to the buddy lists. batch = 31 and high = 6 * batch = 186 for zones of
 * 62 MiB and more (smaller zones: batch = pages/512, at least 1). Cached pages count as free
 * in {@link #stats()} (and in {@code cachedPages}) but not in the per-order block counts.
 *
 * <p><b>Locking.</b> One monitor per zone ({@link Area}) guards its free lists and every
 * transition to or from a FREE state; one monitor per per-CPU cache guards the cache (lock
 * order: cache, then zone). The ALLOC -&gt; free transition is a compare-and-set on the page's
 * state byte, so two racing frees of one block cannot both succeed. The hot paths allocate
 * nothing.
 */
public final class BuddyAllocator implements PageAllocator {
    static final byte RESERVED = (byte) 0x80;
    static final byte FREE = 0x40;
    static final byte ALLOC = 0x20;
    static final byte PCP = 0x10;
    private static final int ORDER_MASK = 0x0F;
    private static final int NONE = -1;
    /** Pages below this are never handed out. */
    static final long LOW_RESERVED = 1L << 20;
    private static final int AREA_ALIGN = 1 << MAX_ORDER;

    private static final VarHandle STATE = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final VarHandle REF = MethodHandles.arrayElementVarHandle(int[].class);

    /** One zone's pages. */
    static final class Area {
        final Zone zone;
        /** Frame number of index 0 (a multiple of 1024). */
        final long basePfn;
        final int span;
        final byte[] state;
        final int[] ref;
        final int[] next;
        final int[] prev;
        final int[] head = new int[MAX_ORDER + 1];
        final long[] nrFree = new long[MAX_ORDER + 1];
        long free;
        long managed;
        final int batch;
        final int high;
        final Pcp[] pcp;

        Area(Zone zone, long basePfn, int span, int cpus, long usablePages) {
            this.zone = zone;
            this.basePfn = basePfn;
            this.span = span;
            state = new byte[span];
            Arrays.fill(state, RESERVED);
            ref = new int[span];
            next = new int[span];
            prev = new int[span];
            Arrays.fill(head, NONE);
            batch = (int) Math.max(1, Math.min(31, usablePages / 512));
            high = 6 * batch;
            pcp = new Pcp[cpus];
            for (int c = 0; c < cpus; c++) {
                pcp[c] = new Pcp(high + batch);
            }
        }

        long phys(int idx) {
            return (basePfn + idx) * PAGE_SIZE;
        }

        void push(int i, int o) {
            int h = head[o];
            next[i] = h;
            prev[i] = NONE;
            if (h != NONE) {
                prev[h] = i;
            }
            head[o] = i;
            nrFree[o]++;
            state[i] = (byte) (FREE | o);
            free += 1L << o;
        }

        void unlink(int i, int o) {
            int n = next[i];
            int p = prev[i];
            if (p == NONE) {
                head[o] = n;
            } else {
                next[p] = n;
            }
            if (n != NONE) {
                prev[n] = p;
            }
            nrFree[o]--;
            state[i] = 0;
            free -= 1L << o;
        }

        /** Takes a free block of order {@code o} (lock held); -1 if none. The head's state is 0. */
        int take(int o) {
            for (int k = o; k <= MAX_ORDER; k++) {
                int i = head[k];
                if (i != NONE) {
                    unlink(i, k);
                    split(i, k, o);
                    return i;
                }
            }
            return NONE;
        }

        /** Like {@link #take} but the block must end at or below index {@code limit}. */
        int takeBelow(int o, long limit) {
            for (int k = o; k <= MAX_ORDER; k++) {
                for (int i = head[k]; i != NONE; i = next[i]) {
                    if (i + (1L << o) <= limit) {
                        unlink(i, k);
                        split(i, k, o);
                        return i;
                    }
                }
            }
            return NONE;
        }

        /** Gives the upper halves of block {@code i} of order {@code k} back until order {@code o}. */
        private void split(int i, int k, int o) {
            while (k > o) {
                k--;
                push(i + (1 << k), k);
            }
        }

        /** Frees block {@code i} of order {@code o} (state already 0, lock held), merging buddies. */
        void merge(int i, int o) {
            while (o < MAX_ORDER) {
                int b = i ^ (1 << o);
                if (b >= span || state[b] != (byte) (FREE | o)) {
                    break;
                }
                unlink(b, o);
                i = Math.min(i, b);
                o++;
            }
            push(i, o);
        }

        long cached() {
            long n = 0;
            for (Pcp p : pcp) {
                n += p.count;
            }
            return n;
        }
    }

    /**
     * One vCPU's cache of one zone's order-0 pages: a stack of area indices. Padded so that two
     * vCPUs' caches (allocated one after the other) never share a cache line: their monitors and
     * counts are written on every allocation.
     */
    static final class Pcp {
        final int[] pages;
        int count;
        @SuppressWarnings("unused")
        private long pad0, pad1, pad2, pad3, pad4, pad5, pad6, pad7;

        Pcp(int capacity) {
            pages = new int[capacity];
        }
    }

    private final Area[] areas = new Area[Zone.values().length];
    private final IntSupplier currentCpu;
    private final int cpus;
    private final long reservedPages;

    /** An allocator without per-CPU caches. */
    public BuddyAllocator(List<MemoryRegion> map) {
        this(map, 0, () -> -1);
    }

    /**
     * @param cpus how many vCPUs get a cache (indices 0..cpus-1)
     * @param currentCpu the calling vCPU's index, or -1 (no cache) for other threads
     */
    public BuddyAllocator(List<MemoryRegion> map, int cpus, IntSupplier currentCpu) {
        this.cpus = cpus;
        this.currentCpu = currentCpu;
        long managedAll = 0;
        for (Zone z : Zone.values()) {
            Area a = buildArea(map, z, cpus);
            areas[z.ordinal()] = a;
            managedAll += a.managed;
        }
        reservedPages = ramPages(map) - managedAll;
    }

    private static Area buildArea(List<MemoryRegion> map, Zone z, int cpus) {
        long lo = Long.MAX_VALUE;
        long hi = 0;
        for (MemoryRegion r : map) {
            if (r.type() == MemoryRegion.Type.USABLE) {
                long s = Math.max(ceilPage(Math.max(r.base(), LOW_RESERVED)), ceilPage(z.start()));
                long e = Math.min(r.end() / PAGE_SIZE, z.end() / PAGE_SIZE);
                if (e > s) {
                    lo = Math.min(lo, s);
                    hi = Math.max(hi, e);
                }
            }
        }
        if (hi == 0) {
            return new Area(z, 0, 0, cpus, 0);
        }
        long base = lo / AREA_ALIGN * AREA_ALIGN;
        long top = (hi + AREA_ALIGN - 1) / AREA_ALIGN * AREA_ALIGN;
        if (top - base > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("zone " + z + " too large: " + (top - base) + " pages");
        }
        int span = (int) (top - base);
        // usable pages: mark 0 = available; then any non-usable region wins
        byte[] st = new byte[span];
        Arrays.fill(st, RESERVED);
        for (MemoryRegion r : map) {
            if (r.type() == MemoryRegion.Type.USABLE) {
                long s = Math.max(Math.max(ceilPage(Math.max(r.base(), LOW_RESERVED)), ceilPage(z.start())), base);
                long e = Math.min(Math.min(r.end() / PAGE_SIZE, z.end() / PAGE_SIZE), top);
                if (e > s) {
                    Arrays.fill(st, (int) (s - base), (int) (e - base), (byte) 0);
                }
            }
        }
        for (MemoryRegion r : map) {
            if (r.type() != MemoryRegion.Type.USABLE) {
                long s = Math.max(r.base() / PAGE_SIZE, base);
                long e = Math.min(ceilPage(r.end()), top);
                if (e > s) {
                    Arrays.fill(st, (int) (s - base), (int) (e - base), RESERVED);
                }
            }
        }
        long usable = 0;
        for (byte b : st) {
            if (b == 0) {
                usable++;
            }
        }
        Area a = new Area(z, base, span, cpus, usable);
        // maximal naturally aligned blocks over each run of usable pages
        int i = 0;
        while (i < span) {
            if (st[i] != 0) {
                i++;
                continue;
            }
            int end = i;
            while (end < span && st[end] == 0) {
                end++;
            }
            while (i < end) {
                int o = Math.min(MAX_ORDER, Integer.numberOfTrailingZeros(i | AREA_ALIGN));
                while (i + (1 << o) > end) {
                    o--;
                }
                Arrays.fill(a.state, i, i + (1 << o), (byte) 0);
                a.push(i, o);
                i += 1 << o;
            }
        }
        a.managed = a.free;
        return a;
    }

    private static long ceilPage(long addr) {
        return (addr + PAGE_SIZE - 1) / PAGE_SIZE;
    }

    /** Pages of RAM in the map (every region but MMIO, overlaps counted once). */
    private static long ramPages(List<MemoryRegion> map) {
        List<long[]> iv = new ArrayList<>();
        for (MemoryRegion r : map) {
            if (r.type() != MemoryRegion.Type.MMIO && r.length() > 0) {
                iv.add(new long[] {r.base() / PAGE_SIZE, ceilPage(r.end())});
            }
        }
        iv.sort((x, y) -> Long.compare(x[0], y[0]));
        long n = 0;
        long curS = -1;
        long curE = -1;
        for (long[] v : iv) {
            if (v[0] > curE) {
                n += curE - curS;
                curS = v[0];
                curE = v[1];
            } else {
                curE = Math.max(curE, v[1]);
            }
        }
        return n + (curE - curS);
    }

    // ------------------------------------------------------------------ lookup and diagnosis

    private Area areaOf(long pfn) {
        for (Area a : areas) {
            if (pfn >= a.basePfn && pfn < a.basePfn + a.span) {
                return a;
            }
        }
        return null;
    }

    private Area areaFor(long phys, String op) {
        if (phys < 0 || (phys & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(op + ": 0x" + Long.toHexString(phys) + " is not a page address");
        }
        Area a = areaOf(phys / PAGE_SIZE);
        if (a == null) {
            throw new IllegalArgumentException(op + ": 0x" + Long.toHexString(phys) + " is not RAM managed by the page allocator");
        }
        return a;
    }

    /** Why {@code idx} is not the head of an allocated block of order {@code order} (-1 = any). */
    private static String diagnose(Area a, int idx, int order, String op) {
        String at = op + " of 0x" + Long.toHexString(a.phys(idx));
        byte s = a.state[idx];
        if (s == RESERVED) {
            return at + ": reserved page, never allocated";
        }
        if ((s & ALLOC) != 0) {
            return at + ": block allocated with order " + (s & ORDER_MASK) + ", freed with order " + order;
        }
        if ((s & FREE) != 0 || s == PCP) {
            return at + ": double free (the page is free)";
        }
        for (int o = 1; o <= MAX_ORDER; o++) {
            int h = idx & -(1 << o);
            byte hs = a.state[h];
            if ((hs & FREE) != 0 && (hs & ORDER_MASK) >= o) {
                return at + ": double free (the page is inside free block 0x" + Long.toHexString(a.phys(h))
                        + " of order " + (hs & ORDER_MASK) + ")";
            }
            if ((hs & ALLOC) != 0 && (hs & ORDER_MASK) >= o) {
                return at + ": not the head of a block (inside block 0x" + Long.toHexString(a.phys(h))
                        + " of order " + (hs & ORDER_MASK) + ")";
            }
        }
        return at + ": not an allocated block";
    }

    // ------------------------------------------------------------------ PageAllocator

    private static void checkOrder(int order) {
        if (order < 0 || order > MAX_ORDER) {
            throw new IllegalArgumentException("order " + order + " not in 0.." + MAX_ORDER);
        }
    }

    private int cpu() {
        int c = currentCpu.getAsInt();
        return c >= 0 && c < cpus ? c : -1;
    }

    @Override
    public long allocPages(int order, Zone zone) {
        checkOrder(order);
        int c = order == 0 ? cpu() : -1;
        for (int z = zone.ordinal(); z >= 0; z--) {
            Area a = areas[z];
            if (a.span == 0) {
                continue;
            }
            int i = c >= 0 ? takeCached(a, a.pcp[c]) : takeBuddy(a, order);
            if (i != NONE) {
                return a.phys(i);
            }
        }
        throw new OutOfPagesException("no free block of order " + order + " in zone " + zone + " or below");
    }

    private static int takeBuddy(Area a, int order) {
        synchronized (a) {
            int i = a.take(order);
            if (i != NONE) {
                a.ref[i] = 1;
                STATE.setVolatile(a.state, i, (byte) (ALLOC | order));
            }
            return i;
        }
    }

    private static int takeCached(Area a, Pcp p) {
        synchronized (p) {
            if (p.count == 0) {
                synchronized (a) {
                    while (p.count < a.batch) {
                        int i = a.take(0);
                        if (i == NONE) {
                            break;
                        }
                        a.state[i] = PCP;
                        p.pages[p.count++] = i;
                    }
                }
                if (p.count == 0) {
                    return NONE;
                }
            }
            int i = p.pages[--p.count];
            a.ref[i] = 1;
            STATE.setVolatile(a.state, i, (byte) (ALLOC | 0));
            return i;
        }
    }

    @Override
    public void freePages(long phys, int order) {
        checkOrder(order);
        Area a = areaFor(phys, "freePages");
        int i = (int) (phys / PAGE_SIZE - a.basePfn);
        if (a.state[i] != (byte) (ALLOC | order)) {
            throw new IllegalArgumentException(diagnose(a, i, order, "freePages"));
        }
        int r = (int) REF.getVolatile(a.ref, i);
        if (r != 1) {
            throw new IllegalStateException("freePages of 0x" + Long.toHexString(phys) + ": block is shared (count " + r
                    + "): use putPage");
        }
        release(a, i, order, true);
    }

    /** ALLOC|order -> free (per-CPU cache or buddy lists); refuses if another free won the race. */
    private void release(Area a, int i, int order, boolean cache) {
        int c = cache && order == 0 ? cpu() : -1;
        if (c >= 0) {
            Pcp p = a.pcp[c];
            synchronized (p) {
                if (!STATE.compareAndSet(a.state, i, (byte) ALLOC, PCP)) {
                    throw new IllegalArgumentException(diagnose(a, i, order, "freePages"));
                }
                a.ref[i] = 0;
                p.pages[p.count++] = i;
                if (p.count >= a.high) {
                    drain(a, p, a.batch);
                }
            }
            return;
        }
        synchronized (a) {
            if (!STATE.compareAndSet(a.state, i, (byte) (ALLOC | order), (byte) 0)) {
                throw new IllegalArgumentException(diagnose(a, i, order, "freePages"));
            }
            a.ref[i] = 0;
            a.merge(i, order);
        }
    }

    /** Returns the {@code n} oldest pages of {@code p} to the buddy lists (p's lock held). */
    private static void drain(Area a, Pcp p, int n) {
        n = Math.min(n, p.count);
        synchronized (a) {
            for (int k = 0; k < n; k++) {
                int i = p.pages[k];
                a.state[i] = 0;
                a.merge(i, 0);
            }
        }
        System.arraycopy(p.pages, n, p.pages, 0, p.count - n);
        p.count -= n;
    }

    @Override
    public void drainCaches() {
        for (Area a : areas) {
            for (Pcp p : a.pcp) {
                synchronized (p) {
                    drain(a, p, p.count);
                }
            }
        }
    }

    @Override
    public void getPage(long phys) {
        Area a = areaFor(phys, "getPage");
        int i = (int) (phys / PAGE_SIZE - a.basePfn);
        if ((a.state[i] & ALLOC) == 0) {
            throw new IllegalArgumentException(diagnose(a, i, -1, "getPage"));
        }
        REF.getAndAdd(a.ref, i, 1);
    }

    @Override
    public boolean putPage(long phys) {
        Area a = areaFor(phys, "putPage");
        int i = (int) (phys / PAGE_SIZE - a.basePfn);
        byte s = a.state[i];
        if ((s & ALLOC) == 0) {
            throw new IllegalArgumentException(diagnose(a, i, -1, "putPage"));
        }
        while (true) {
            int r = (int) REF.getVolatile(a.ref, i);
            if (r <= 0) {
                throw new IllegalArgumentException("putPage of 0x" + Long.toHexString(phys) + ": count is " + r);
            }
            if (REF.compareAndSet(a.ref, i, r, r - 1)) {
                if (r > 1) {
                    return false;
                }
                release(a, i, s & ORDER_MASK, true);
                return true;
            }
        }
    }

    @Override
    public int pageCount(long phys) {
        Area a = areaFor(phys, "pageCount");
        int i = (int) (phys / PAGE_SIZE - a.basePfn);
        byte s = a.state[i];
        if ((s & ALLOC) != 0) {
            return (int) REF.getVolatile(a.ref, i);
        }
        String why = diagnose(a, i, -1, "pageCount");
        if (why.contains("free")) {
            return 0;
        }
        throw new IllegalArgumentException(why);
    }

    // ------------------------------------------------------------------ legacy runs

    /** Order of the smallest block holding {@code count} pages. */
    private static int orderFor(int count) {
        return count == 1 ? 0 : 32 - Integer.numberOfLeadingZeros(count - 1);
    }

    /** Largest order a block at index {@code i} may have and still end at or before {@code end}. */
    private static int pieceOrder(int i, int end) {
        int o = Math.min(MAX_ORDER, Integer.numberOfTrailingZeros(i | AREA_ALIGN));
        while (i + (1 << o) > end) {
            o--;
        }
        return o;
    }

    @Override
    public long allocate(int count, long limit) {
        if (count <= 0) {
            throw new IllegalArgumentException("page count must be positive: " + count);
        }
        int order = orderFor(count);
        if (order > MAX_ORDER) {
            throw new OutOfPagesException("no run of " + count + " free pages: larger than the largest block ("
                    + (1 << MAX_ORDER) + " pages)");
        }
        for (int z = areas.length - 1; z >= 0; z--) {
            Area a = areas[z];
            if (a.span == 0 || a.zone.start() >= limit) {
                continue;
            }
            synchronized (a) {
                int i = a.zone.end() <= limit ? a.take(order) : a.takeBelow(order, limit / PAGE_SIZE - a.basePfn);
                if (i == NONE) {
                    continue;
                }
                // keep [i, i+count) as allocated aligned pieces, give the tail back
                int end = i + count;
                for (int p = i; p < end; ) {
                    int o = pieceOrder(p, end);
                    a.ref[p] = 1;
                    a.state[p] = (byte) (ALLOC | o);
                    p += 1 << o;
                }
                for (int p = end, blockEnd = i + (1 << order); p < blockEnd; ) {
                    int o = pieceOrder(p, blockEnd);
                    a.merge(p, o);
                    p += 1 << o;
                }
                return a.phys(i);
            }
        }
        throw new OutOfPagesException("no run of " + count + " free pages below 0x" + Long.toHexString(limit)
                + " (" + stats().freePages() + " pages free)");
    }

    @Override
    public void free(long phys, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("bad page run 0x" + Long.toHexString(phys) + "+" + count);
        }
        Area a = areaFor(phys, "free");
        long first = phys / PAGE_SIZE - a.basePfn;
        if (first + count > a.span) {
            throw new IllegalArgumentException("free: run 0x" + Long.toHexString(phys) + "+" + count + " pages leaves zone " + a.zone);
        }
        int i = (int) first;
        int end = i + count;
        synchronized (a) {
            for (int p = i; p < end; ) { // check every piece first: a refused free changes nothing
                int o = pieceOrder(p, end);
                if (a.state[p] != (byte) (ALLOC | o)) {
                    throw new IllegalArgumentException(diagnose(a, p, o, "free"));
                }
                p += 1 << o;
            }
            for (int p = i; p < end; ) {
                int o = pieceOrder(p, end);
                a.state[p] = 0;
                a.ref[p] = 0;
                a.merge(p, o);
                p += 1 << o;
            }
        }
    }

    // ------------------------------------------------------------------ statistics and checks

    @Override
    public Stats stats() {
        List<ZoneStats> zs = new ArrayList<>();
        long total = 0;
        long free = 0;
        long cached = 0;
        for (Area a : areas) {
            long zfree;
            long[] blocks;
            synchronized (a) {
                zfree = a.free;
                blocks = a.nrFree.clone();
            }
            long c = a.cached();
            zs.add(new ZoneStats(a.zone, a.managed, zfree + c, blocks));
            total += a.managed;
            free += zfree + c;
            cached += c;
        }
        return new Stats(total, free, reservedPages, cached, List.copyOf(zs));
    }

    /** How many vCPUs have caches. */
    int cpus() {
        return cpus;
    }

    /** Batch size and high watermark of {@code zone}'s per-CPU caches. */
    int[] pcpLimits(Zone zone) {
        Area a = areas[zone.ordinal()];
        return new int[] {a.batch, a.high};
    }

    /** Pages in vCPU {@code cpu}'s cache of {@code zone}. */
    int cachedOn(Zone zone, int cpu) {
        Pcp p = areas[zone.ordinal()].pcp[cpu];
        synchronized (p) {
            return p.count;
        }
    }

    /** Every free block in the buddy lists: physical address -&gt; order. */
    TreeMap<Long, Integer> freeBlocks() {
        TreeMap<Long, Integer> m = new TreeMap<>();
        for (Area a : areas) {
            synchronized (a) {
                for (int o = 0; o <= MAX_ORDER; o++) {
                    for (int i = a.head[o]; i != NONE; i = a.next[i]) {
                        m.put(a.phys(i), o);
                    }
                }
            }
        }
        return m;
    }

    /**
     * Checks the free lists against the page states and counters; throws {@link IllegalStateException}
     * describing the first inconsistency.
     */
    void checkConsistency() {
        for (Area a : areas) {
            synchronized (a) {
                long free = 0;
                for (int o = 0; o <= MAX_ORDER; o++) {
                    long n = 0;
                    int prev = NONE;
                    for (int i = a.head[o]; i != NONE; i = a.next[i]) {
                        if (a.state[i] != (byte) (FREE | o) || (i & ((1 << o) - 1)) != 0 || a.prev[i] != prev) {
                            throw new IllegalStateException(a.zone + ": bad free block 0x" + Long.toHexString(a.phys(i)) + " order " + o);
                        }
                        int b = i ^ (1 << o);
                        if (o < MAX_ORDER && b < a.span && a.state[b] == (byte) (FREE | o)) {
                            throw new IllegalStateException(a.zone + ": free buddies not merged at 0x" + Long.toHexString(a.phys(i)));
                        }
                        prev = i;
                        n++;
                    }
                    if (n != a.nrFree[o]) {
                        throw new IllegalStateException(a.zone + ": order " + o + " list has " + n + " blocks, counter " + a.nrFree[o]);
                    }
                    free += n << o;
                }
                if (free != a.free) {
                    throw new IllegalStateException(a.zone + ": free lists hold " + free + " pages, counter " + a.free);
                }
            }
        }
    }
}
