package kernel.mm.internal.vm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import kernel.core.hal.PhysMem;
import kernel.mm.OutOfPagesException;
import kernel.mm.PageAllocator;
import kernel.mm.Zone;

/**
 * One address space's 4-level page tables in emulated RAM, read and written through
 * {@link PhysMem} exactly where the CPU's MMU walks them. Owns the user half (PML4 slots
 * 0..255) and every table below it; the kernel half's slots point at the shared
 * {@link KernelMap} tables. Not thread-safe: the address space's lock guards it.
 */
final class PageTables {
    interface LeafVisitor {
        /** Called for each used leaf in a range; returns the new entry (the same to keep it, 0 to clear). */
        long visit(long va, long pte);
    }

    private static final int ENTRIES = 512;
    private final VirtualMemoryImpl vm;
    private final PhysMem mem;
    private final PageAllocator pages;
    final long root;
    private long tables; // page-table pages held, root included

    PageTables(VirtualMemoryImpl vm) {
        this.vm = vm;
        this.mem = vm.mem;
        this.pages = vm.pages;
        this.root = allocTable();
        vm.kernelMap.install(root);
    }

    long tablePages() {
        return tables;
    }

    private long allocTable() {
        long pa = pages.allocPages(0, Zone.NORMAL);
        vm.zero(pa);
        tables++;
        vm.tablePages.increment();
        return pa;
    }

    private void freeTable(long pa, java.util.List<Long> deferred) {
        tables--;
        vm.tablePages.decrement();
        deferred.add(pa);
    }

    static int index(long va, int level) {
        return (int) ((va >>> (12 + 9 * (level - 1))) & 511);
    }

    /**
     * The physical address of the level-1 entry for {@code va}, allocating missing tables if
     * {@code alloc}; -1 if a table is missing (and not allocated).
     *
     * @throws OutOfPagesException if a table page cannot be allocated
     */
    long slot(long va, boolean alloc) {
        long table = root;
        for (int level = 4; level > 1; level--) {
            long ea = table + 8L * index(va, level);
            long e = mem.read64(ea);
            if (!Pte.present(e)) {
                if (!alloc) {
                    return -1;
                }
                long t = allocTable();
                e = t | Pte.TABLE;
                mem.write64(ea, e);
            }
            table = Pte.frame(e);
        }
        return table + 8L * index(va, 1);
    }

    /** The leaf entry for {@code va}, or 0. */
    long get(long va) {
        long s = slot(va, false);
        return s < 0 ? 0 : mem.read64(s);
    }

    long read(long slot) {
        return mem.read64(slot);
    }

    void write(long slot, long e) {
        mem.write64(slot, e);
    }

    /**
     * Visits every used leaf in {@code [start, end)} (user half, page-aligned) and stores what the
     * visitor returns. Tables left empty are unlinked and their pages added to {@code freed} when
     * {@code prune} (freed later, after the TLB shootdown).
     */
    void range(long start, long end, LeafVisitor v, boolean prune, java.util.List<Long> freed) {
        if (start >= end) {
            return;
        }
        walk(root, 4, 0, start, end, v, prune, freed);
    }

    /** Returns true if the table is empty afterwards. */
    private boolean walk(long table, int level, long base, long start, long end, LeafVisitor v, boolean prune,
                         java.util.List<Long> freed) {
        int shift = 12 + 9 * (level - 1);
        long span = 1L << shift;
        long[] e = readTable(table);
        int first = (int) (Math.max(0, start - base) >>> shift);
        int last = (int) Math.min(ENTRIES - 1, (end - 1 - base) >>> shift);
        if (level == 4) {
            last = Math.min(last, 255);
        }
        for (int i = first; i <= last; i++) {
            long va = base + (long) i * span;
            if (level == 1) {
                if (Pte.used(e[i])) {
                    long n = v.visit(va, e[i]);
                    if (n != e[i]) {
                        mem.write64(table + 8L * i, n);
                        e[i] = n;
                    }
                } else if (e[i] != 0 && prune) {
                    mem.write64(table + 8L * i, 0); // stray A/D bits set on a cleared entry
                    e[i] = 0;
                }
            } else if (Pte.present(e[i])) {
                long child = Pte.frame(e[i]);
                boolean empty = walk(child, level - 1, va, Math.max(start, va), Math.min(end, va + span), v, prune, freed);
                if (empty && prune) {
                    mem.write64(table + 8L * i, 0);
                    e[i] = 0;
                    freeTable(child, freed);
                }
            }
        }
        if (!prune) {
            return false;
        }
        int to = level == 4 ? 256 : ENTRIES;
        for (int i = 0; i < to; i++) {
            if (e[i] != 0) {
                return false;
            }
        }
        return level != 4; // the root is never freed here
    }

    private long[] readTable(long pa) {
        byte[] b = new byte[4096];
        mem.read(pa, b, 0, b.length);
        long[] e = new long[ENTRIES];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(e);
        return e;
    }

    /** Frees the root after the user half has been emptied with {@link #range} (prune). */
    void freeRoot(java.util.List<Long> freed) {
        freeTable(root, freed);
    }
}
