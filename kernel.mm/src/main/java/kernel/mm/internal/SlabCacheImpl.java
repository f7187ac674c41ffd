package kernel.mm.internal;

import java.util.HashMap;
import java.util.function.Consumer;
import kernel.core.hal.PhysMem;
import kernel.mm.PageAllocator;
import kernel.mm.SlabCache;
import kernel.mm.Zone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slab cache: objects of one size carved from buddy blocks of {@code 2^order} pages.
 *
 * <p><b>Layout.</b> A slab is one naturally aligned buddy block; its objects sit at
 * {@code base + k * stride} for k in 0..perSlab-1, stride = the size rounded up to the alignment
 * (at least 8). The order is the smallest that holds 8 objects, up to order 3 (32 KiB), or
 * that holds one object for larger ones. The slab's descriptor is off-slab Java data (no
 * bookkeeping in emulated RAM, so a device or a stray write cannot corrupt it): a stack of
 * free object indices and an allocated bitmap (O(1) alloc, free, double-free check). The slab
 * holding an address is found by masking the address to the slab size and a hash lookup.
 * Slabs sit on three intrusive lists, partial (allocated first), empty and full; at most one
 * empty slab is kept, surplus empty slabs go back to the page allocator at once.
 *
 * <p>Locking: every method is synchronized on the cache.
 */
final class SlabCacheImpl implements SlabCache {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.mm");
    static final int MAX_SIZE = 1 << 20;
    private static final int PARTIAL = 0;
    private static final int EMPTY = 1;
    private static final int FULL = 2;
    private static final int CHUNK = 4096;

    private static final class Slab {
        final long base;
        final int[] freeIdx;
        int freeTop;
        final long[] allocated;
        int inUse;
        int list;
        Slab prev;
        Slab next;

        Slab(long base, int objects) {
            this.base = base;
            freeIdx = new int[objects];
            for (int k = 0; k < objects; k++) {
                freeIdx[k] = objects - 1 - k; // object 0 on top: allocation in address order
            }
            freeTop = objects;
            allocated = new long[(objects + 63) >>> 6];
        }
    }

    private final String name;
    private final int size;
    private final int stride;
    private final int order;
    private final int perSlab;
    private final long slabBytes;
    private final Zone zone;
    private final boolean debug;
    private final PageAllocator pages;
    private final PhysMem mem;
    private final Consumer<SlabCacheImpl> onDestroy;
    private final HashMap<Long, Slab> byBase = new HashMap<>();
    private final Slab[] lists = new Slab[3];
    private final long[] listSize = new long[3];
    private final byte[] zeros;
    private final byte[] poison;
    private final byte[] scratch;
    private long active;
    private long poisonErrors;
    private boolean destroyed;

    SlabCacheImpl(String name, int size, int align, Zone zone, boolean debug, PageAllocator pages, PhysMem mem,
            Consumer<SlabCacheImpl> onDestroy) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a slab cache needs a name");
        }
        if (size <= 0 || size > MAX_SIZE) {
            throw new IllegalArgumentException("slab cache " + name + ": object size " + size + " not in 1.." + MAX_SIZE);
        }
        if (align <= 0 || Integer.bitCount(align) != 1 || align > PageAllocator.PAGE_SIZE) {
            throw new IllegalArgumentException("slab cache " + name + ": alignment " + align + " is not a power of two in 1..4096");
        }
        this.name = name;
        this.size = size;
        int a = Math.max(8, align);
        this.stride = (size + a - 1) / a * a;
        int o = 0;
        while (o < 3 && ((long) PageAllocator.PAGE_SIZE << o) < 8L * stride) {
            o++;
        }
        while (((long) PageAllocator.PAGE_SIZE << o) < stride) {
            o++;
        }
        this.order = o;
        this.slabBytes = (long) PageAllocator.PAGE_SIZE << o;
        this.perSlab = (int) (slabBytes / stride);
        this.zone = zone == null ? Zone.NORMAL : zone;
        this.debug = debug;
        this.pages = pages;
        this.mem = mem;
        this.onDestroy = onDestroy;
        int chunk = Math.min(size, CHUNK);
        zeros = new byte[chunk];
        poison = new byte[chunk];
        java.util.Arrays.fill(poison, (byte) POISON);
        scratch = new byte[chunk];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int objectSize() {
        return size;
    }

    boolean debug() {
        return debug;
    }

    private String where(long addr) {
        return "slab cache " + name + ": object 0x" + Long.toHexString(addr);
    }

    private void checkLive() {
        if (destroyed) {
            throw new IllegalStateException("slab cache " + name + " is destroyed");
        }
    }

    // ------------------------------------------------------------------ lists

    private void add(Slab s, int list) {
        s.list = list;
        s.prev = null;
        s.next = lists[list];
        if (s.next != null) {
            s.next.prev = s;
        }
        lists[list] = s;
        listSize[list]++;
    }

    private void remove(Slab s) {
        if (s.prev == null) {
            lists[s.list] = s.next;
        } else {
            s.prev.next = s.next;
        }
        if (s.next != null) {
            s.next.prev = s.prev;
        }
        s.prev = s.next = null;
        listSize[s.list]--;
    }

    private void move(Slab s, int list) {
        if (s.list != list) {
            remove(s);
            add(s, list);
        }
    }

    private Slab grow() {
        long base = pages.allocPages(order, zone);
        Slab s = new Slab(base, perSlab);
        if (debug) {
            for (int k = 0; k < perSlab; k++) {
                fill(base + (long) k * stride, poison);
            }
        }
        byBase.put(base, s);
        add(s, EMPTY);
        return s;
    }

    private void release(Slab s) {
        remove(s);
        byBase.remove(s.base);
        pages.freePages(s.base, order);
    }

    // ------------------------------------------------------------------ objects

    @Override
    public synchronized long alloc() {
        checkLive();
        Slab s = lists[PARTIAL] != null ? lists[PARTIAL] : lists[EMPTY] != null ? lists[EMPTY] : grow();
        int k = s.freeIdx[--s.freeTop];
        long addr = s.base + (long) k * stride;
        if (debug) {
            int bad = firstNotPoison(addr);
            if (bad >= 0) {
                s.freeTop++; // the object stays free, re-poisoned: the cache remains consistent
                poisonErrors++;
                int value = mem.read8(addr + bad);
                fill(addr, poison);
                String msg = where(addr) + " was written after it was freed (byte +" + bad + " is 0x"
                        + Integer.toHexString(value) + ", not poison 0x" + Integer.toHexString(POISON) + ")";
                LOG.error("{}", msg);
                throw new IllegalStateException(msg);
            }
        }
        s.allocated[k >>> 6] |= 1L << k;
        s.inUse++;
        active++;
        move(s, s.inUse == perSlab ? FULL : PARTIAL);
        fill(addr, zeros);
        return addr;
    }

    @Override
    public synchronized void free(long addr) {
        checkLive();
        Slab s = byBase.get(addr & -slabBytes);
        long off = addr - (addr & -slabBytes);
        if (s == null || off % stride != 0 || off / stride >= perSlab) {
            throw new IllegalArgumentException(where(addr) + ": not an object of this cache");
        }
        int k = (int) (off / stride);
        if ((s.allocated[k >>> 6] & (1L << k)) == 0) {
            throw new IllegalStateException(where(addr) + ": double free");
        }
        s.allocated[k >>> 6] &= ~(1L << k);
        s.freeIdx[s.freeTop++] = k;
        s.inUse--;
        active--;
        if (debug) {
            fill(addr, poison);
        }
        if (s.inUse == 0) {
            if (listSize[EMPTY] > 0) {
                release(s);
            } else {
                move(s, EMPTY);
            }
        } else {
            move(s, PARTIAL);
        }
    }

    private void fill(long addr, byte[] pattern) {
        for (int done = 0; done < size; done += pattern.length) {
            mem.write(addr + done, pattern, 0, Math.min(pattern.length, size - done));
        }
    }

    /** Offset of the first byte of the object that is not poison, or -1. */
    private int firstNotPoison(long addr) {
        for (int done = 0; done < size; done += scratch.length) {
            int n = Math.min(scratch.length, size - done);
            mem.read(addr + done, scratch, 0, n);
            for (int i = 0; i < n; i++) {
                if (scratch[i] != (byte) POISON) {
                    return done + i;
                }
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------ cache

    @Override
    public synchronized Stats stats() {
        long slabs = listSize[0] + listSize[1] + listSize[2];
        return new Stats(name, size, stride, active, slabs * perSlab, perSlab, 1 << order, slabs, poisonErrors);
    }

    @Override
    public synchronized long shrink() {
        long n = 0;
        while (lists[EMPTY] != null) {
            release(lists[EMPTY]);
            n += 1L << order;
        }
        return n;
    }

    @Override
    public void destroy() {
        synchronized (this) {
            checkLive();
            if (active > 0) {
                throw new IllegalStateException("slab cache " + name + ": cannot destroy, " + active + " objects still allocated");
            }
            releaseAll();
        }
        onDestroy.accept(this);
    }

    /** Destroys the cache even with live objects (their owner is gone); returns how many there were. */
    long reclaim() {
        long leaked;
        synchronized (this) {
            if (destroyed) {
                return 0;
            }
            leaked = active;
            releaseAll();
        }
        onDestroy.accept(this);
        return leaked;
    }

    private void releaseAll() {
        for (int l = 0; l < lists.length; l++) {
            while (lists[l] != null) {
                release(lists[l]);
            }
        }
        active = 0;
        destroyed = true;
    }

    /** True if {@code addr} lies inside one of this cache's slabs (for tests). */
    synchronized boolean inSlab(long addr, int len) {
        Slab s = byBase.get(addr & -slabBytes);
        return s != null && addr + len <= s.base + slabBytes;
    }

    int slabOrder() {
        return order;
    }
}
