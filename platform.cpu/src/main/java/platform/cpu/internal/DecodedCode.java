package platform.cpu.internal;

import java.util.Arrays;
import platform.cpu.CodeCache;

/**
 * Decoded blocks by physical address, shared by the CPUs of one machine, and the set of RAM
 * pages that hold decoded code. A write to such a page (by a CPU's slow write path, or
 * reported by {@link #invalidate} for DMA and kernel writes) throws its blocks away, so
 * self-modifying code works.
 *
 * <p>Locking: every method is synchronized; the cores call in only on their slow paths (a
 * jump-cache miss, a write to a code page). {@link #epoch()} changes whenever a page becomes
 * a code page, so each core can drop its write TLB entries for pages that just became code.
 */
public final class DecodedCode implements CodeCache {
    /** Decoded blocks of one physical page, by offset in the page. */
    private static final class Page {
        final long pa;
        final Block[] byOffset = new Block[4096];

        Page(long pa) {
            this.pa = pa;
        }
    }

    private Page[] table = new Page[1024]; // open addressing by physical page number
    private int count;
    private volatile long epoch;

    /** Changes whenever a page becomes a code page. */
    long epoch() {
        return epoch;
    }

    /** The block starting at physical address {@code pa}, or null. */
    synchronized Block find(long pa) {
        Page p = page(pa & ~0xFFFL, false);
        return p == null ? null : p.byOffset[(int) (pa & 0xFFF)];
    }

    /** Records a block (made by the caller from bytes of that page). */
    synchronized void add(Block b) {
        Page p = page(b.pa & ~0xFFFL, true);
        p.byOffset[(int) (b.pa & 0xFFF)] = b;
    }

    /** True if physical page {@code pa} holds decoded code. */
    synchronized boolean isCode(long pa) {
        return page(pa & ~0xFFFL, false) != null;
    }

    /**
     * Forgets the decoded code of every page in {@code [pa, pa + len)}. Whoever writes RAM
     * behind the CPUs' back (DMA, the kernel filling a page) calls this for pages that may
     * have held code; returns true if there was any.
     */
    @Override
    public synchronized boolean invalidate(long pa, long len) {
        boolean any = false;
        for (long a = pa & ~0xFFFL; a < pa + len; a += 4096) {
            Page p = remove(a);
            if (p != null) {
                any = true;
                for (Block b : p.byOffset) {
                    if (b != null) {
                        b.valid = false;
                    }
                }
            }
        }
        return any;
    }

    private int slot(long page) {
        long h = (page >>> 12) * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & (table.length - 1);
    }

    private Page page(long page, boolean create) {
        for (int i = slot(page);; i = (i + 1) & (table.length - 1)) {
            Page p = table[i];
            if (p == null) {
                if (!create) {
                    return null;
                }
                p = new Page(page);
                table[i] = p;
                epoch++;
                if (++count * 2 > table.length) {
                    rehash(table.length * 2);
                }
                return p;
            }
            if (p.pa == page) {
                return p;
            }
        }
    }

    private Page remove(long page) {
        for (int i = slot(page);; i = (i + 1) & (table.length - 1)) {
            Page p = table[i];
            if (p == null) {
                return null;
            }
            if (p.pa == page) {
                table[i] = null;
                count--;
                rehash(table.length); // keeps probe chains intact
                return p;
            }
        }
    }

    private void rehash(int size) {
        Page[] old = table;
        table = new Page[size];
        for (Page p : old) {
            if (p != null) {
                int i = slot(p.pa);
                while (table[i] != null) {
                    i = (i + 1) & (size - 1);
                }
                table[i] = p;
            }
        }
    }

    /** Number of pages holding decoded code. */
    @Override
    public synchronized int pages() {
        return count;
    }

    /** Forgets everything. */
    @Override
    public synchronized void clear() {
        for (Page p : table) {
            if (p != null) {
                for (Block b : p.byOffset) {
                    if (b != null) {
                        b.valid = false;
                    }
                }
            }
        }
        Arrays.fill(table, null);
        count = 0;
    }
}
