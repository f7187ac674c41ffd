package platform.cpu.internal.run;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One x86-64 4-level page table (PML4, PDPT, PD, PT; 4 KiB pages only) written into emulated
 * RAM, as the CPU's MMU reads it.
 *
 * <p>Contract: intermediate entries are P|RW|US (the leaf decides); tables are allocated from
 * {@link Frames} on demand and never freed. A leaf that owns a frame carries {@link #OWNED}
 * (a bit the CPU ignores), whether or not it is present: a PROT_NONE page keeps its frame in
 * a non-present entry. The caller invalidates TLB entries for leaves it changes.
 */
final class PageTable {
    static final long P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, NX = 1L << 63;
    /** Software bit (9, ignored by the MMU): the entry owns the frame in its address field. */
    static final long OWNED = 1L << 9;
    static final long ADDR = 0x000F_FFFF_FFFF_F000L;
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment ram;
    private final Frames frames;
    /** Physical address of the PML4 (the value for CR3). */
    final long root;

    PageTable(MemorySegment ram, Frames frames) {
        this.ram = ram;
        this.frames = frames;
        this.root = frames.alloc();
    }

    /** Physical address of the leaf entry of {@code va}; -1 if a table on the way is missing and {@code create} is false. */
    long slot(long va, boolean create) {
        long t = root;
        for (int level = 4; level > 1; level--) {
            long at = t + (((va >>> (12 + 9 * (level - 1))) & 511) << 3);
            long e = ram.get(LE64, at);
            if ((e & P) == 0) {
                if (!create) {
                    return -1;
                }
                e = frames.alloc() | P | RW | US;
                ram.set(LE64, at, e);
            }
            t = e & ADDR;
        }
        return t + (((va >>> 12) & 511) << 3);
    }

    /** The leaf entry of {@code va}, or 0. */
    long get(long va) {
        long s = slot(va, false);
        return s < 0 ? 0 : ram.get(LE64, s);
    }

    /** Sets the leaf entry of {@code va}, creating tables as needed. */
    void set(long va, long entry) {
        ram.set(LE64, slot(va, true), entry);
    }

    /** Sets the leaf entry at slot {@code slot} (from {@link #slot}). */
    void setAt(long slot, long entry) {
        ram.set(LE64, slot, entry);
    }

    /** The entry at slot {@code slot}. */
    long getAt(long slot) {
        return ram.get(LE64, slot);
    }

    /** The leaf flags for a page with the given mmap protection (PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4). */
    static long flags(int prot) {
        if (prot == 0) {
            return OWNED; // PROT_NONE: not present, frame kept
        }
        return OWNED | P | US | ((prot & 2) != 0 ? RW : 0) | ((prot & 4) != 0 ? 0 : NX);
    }
}
