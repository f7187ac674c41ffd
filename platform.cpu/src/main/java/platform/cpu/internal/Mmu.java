package platform.cpu.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import platform.cpu.Vectors;

/**
 * The slow half of linear memory access: 4-level page walks in physical memory (x86-64
 * format: P, RW, US, PWT, PCD, A, D, PS for 2 MiB and 1 GiB pages, G, NX), accessed and
 * dirty bits set as the hardware sets them, TLB fills, accesses that cross a page or reach
 * device memory, and page faults with CR2 and the architectural error code.
 *
 * <p>Rules: a TLB read entry is filled on any successful read; a write entry only once the
 * final entry's D bit is set and only for pages that hold no decoded code (so stores to code
 * come here and invalidate it); a fetch entry on a successful fetch. Entries are made only at
 * CPL 3 (their permissions were checked for user access), so a change of CPL needs no flush;
 * supervisor accesses (rare: the kernel is Java) always walk. A page that is not RAM
 * gets no entry: every access to it goes to {@link platform.cpu.PhysicalMemory}.
 */
final class Mmu {
    static final int READ = 0, WRITE = 1, FETCH = 2;
    /** Physical address bits reported by CPUID 0x80000008. */
    static final int MAXPHYADDR = 46;
    private static final long ADDR_MASK = ((1L << MAXPHYADDR) - 1) & ~0xFFFL;
    private static final VarHandle PTE = ValueLayout.JAVA_LONG.varHandle();

    private static final long P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100, NX = 1L << 63;

    private final Core c;

    // result of the last walk (no allocation)
    private long walkPa;      // physical address of the byte
    private boolean walkGlobal;
    private boolean walkDirty;

    Mmu(Core c) {
        this.c = c;
    }

    /** Reads {@code size} bytes at {@code va} when the TLB could not: fills it, handles page crossings and device memory. */
    long readSlow(long va, int size) {
        if (((va & 0xFFF) + size) > 4096) {
            long v = 0;
            // check both pages before reading anything (a read has no side effects except A bits)
            translate(va, READ);
            translate((va + size - 1) & ~0xFFFL, READ); // CR2 is the first byte of the page that faults
            for (int k = 0; k < size; k++) {
                v |= (long) c.read8(va + k) << (8 * k);
            }
            return v;
        }
        long pa = translate(va, READ);
        long off = c.phys.ramOffset(pa);
        if (off < 0) {
            return c.phys.read(pa, size);
        }
        fill(c.tagR, c.hostR, c.globalR, va, off);
        return switch (size) {
            case 1 -> c.ram.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
            case 2 -> c.ram.get(Core.LE16, off) & 0xFFFF;
            case 4 -> c.ram.get(Core.LE32, off) & 0xFFFFFFFFL;
            default -> c.ram.get(Core.LE64, off);
        };
    }

    /** Writes when the TLB could not: checks every page first so a faulting store changes nothing. */
    void writeSlow(long va, int size, long v) {
        if (((va & 0xFFF) + size) > 4096) {
            translate(va, WRITE);
            translate((va + size - 1) & ~0xFFFL, WRITE);
            for (int k = 0; k < size; k++) {
                c.write8(va + k, v >>> (8 * k));
            }
            return;
        }
        long pa = translate(va, WRITE);
        long off = c.phys.ramOffset(pa);
        if (off < 0) {
            c.phys.write(pa, size, v);
            return;
        }
        if (c.code.isCode(off)) {
            c.code.invalidate(off & ~0xFFFL, 4096);
            c.stop = true; // the current block may be stale
        } else if (walkDirty) {
            fill(c.tagW, c.hostW, c.globalW, va, off);
        }
        switch (size) {
            case 1 -> c.ram.set(ValueLayout.JAVA_BYTE, off, (byte) v);
            case 2 -> c.ram.set(Core.LE16, off, (short) v);
            case 4 -> c.ram.set(Core.LE32, off, (int) v);
            default -> c.ram.set(Core.LE64, off, v);
        }
    }

    /** Faults unless every byte of {@code [va, va+len)} allows {@code access}. */
    void probe(long va, int len, int access) {
        for (long page = va & ~0xFFFL; page <= ((va + len - 1) & ~0xFFFL); page += 4096) {
            translate(page < va ? va : page, access);
        }
    }

    /** The RAM offset of {@code va} for an instruction fetch; faults if not executable or not RAM. */
    long fetchOffset(long va) {
        int t = Core.tlbIndex(va);
        if (c.tagX[t] == (va & ~0xFFFL)) {
            return c.hostX[t] + va;
        }
        return fetchOffsetAt(va, va);
    }

    /** Like {@link #fetchOffset}, for the continuation of the instruction at {@code insn}. */
    long fetchOffsetAt(long va, long insn) {
        long pa = translate(va, FETCH);
        long off = c.phys.ramOffset(pa);
        if (off < 0) {
            throw c.fault(Vectors.GP, 0); // executing device memory is not supported
        }
        fill(c.tagX, c.hostX, c.globalX, va, off);
        return off;
    }

    private void fill(long[] tag, long[] host, boolean[] global, long va, long off) {
        if (c.cpl != 3) {
            return; // entries are checked for user access; supervisor accesses always walk
        }
        int t = Core.tlbIndex(va);
        long page = va & ~0xFFFL;
        tag[t] = page;
        host[t] = (off & ~0xFFFL) - page;
        global[t] = walkGlobal;
    }

    /**
     * Walks the page tables for {@code va}; returns the physical address or raises #PF (or
     * #GP for a non-canonical address). Sets A bits on every entry used and D on the final
     * entry of a write, atomically, as the hardware does.
     */
    long translate(long va, int access) {
        if ((va << 16 >> 16) != va) {
            throw c.fault(Vectors.GP, 0);
        }
        boolean user = c.cpl == 3;
        boolean nxe = (c.efer & 0x800) != 0;
        int err = (access == WRITE ? Vectors.PF_W : 0) | (user ? Vectors.PF_U : 0)
                | (access == FETCH && nxe ? Vectors.PF_I : 0);
        long table = c.cr3 & ADDR_MASK;
        boolean writable = true, userOk = true, noExec = false;
        long reservedAll = (((1L << 52) - 1) & ~((1L << MAXPHYADDR) - 1)) | (nxe ? 0 : NX);
        for (int level = 4; level >= 1; level--) {
            int shift = 12 + 9 * (level - 1);
            long entryPa = table + (((va >>> shift) & 511) << 3);
            long entry = readPte(entryPa);
            if ((entry & P) == 0) {
                return pageFault(va, err);
            }
            long rsv = reservedAll;
            if (level == 4) {
                rsv |= PS;
            } else if (level == 3 && (entry & PS) != 0) {
                rsv |= 0x3FFFE000L; // bits 29:13 of a 1 GiB page entry
            } else if (level == 2 && (entry & PS) != 0) {
                rsv |= 0x1FE000L; // bits 20:13 of a 2 MiB page entry
            }
            if ((entry & rsv) != 0) {
                return pageFault(va, err | Vectors.PF_P | Vectors.PF_RSVD);
            }
            writable &= (entry & RW) != 0;
            userOk &= (entry & US) != 0;
            noExec |= nxe && (entry & NX) != 0;
            boolean leaf = level == 1 || (level <= 3 && (entry & PS) != 0);
            if (leaf) {
                // permission checks before any A/D update
                if (user && !userOk) {
                    return pageFault(va, err | Vectors.PF_P);
                }
                if (access == WRITE && !writable && (user || (c.cr0 & 0x10000) != 0)) {
                    return pageFault(va, err | Vectors.PF_P);
                }
                if (access == FETCH && noExec) {
                    return pageFault(va, err | Vectors.PF_P);
                }
                long set = A | (access == WRITE ? D : 0);
                if ((entry & set) != set) {
                    setBits(entryPa, set);
                }
                walkGlobal = (entry & G) != 0 && (c.cr4 & 0x80) != 0;
                walkDirty = access == WRITE || (entry & D) != 0;
                long pageMask = (1L << shift) - 1;
                walkPa = (entry & ADDR_MASK & ~pageMask) | (va & pageMask);
                return walkPa;
            }
            if ((entry & A) == 0) {
                setBits(entryPa, A);
            }
            table = entry & ADDR_MASK;
        }
        throw new AssertionError();
    }

    private long pageFault(long va, int err) {
        c.cr2 = va;
        throw c.fault(Vectors.PF, err);
    }

    private long readPte(long pa) {
        long off = c.phys.ramOffset(pa);
        return off >= 0 ? c.ram.get(Core.LE64, off) : c.phys.read(pa, 8);
    }

    /** Sets bits in a paging-structure entry atomically (a locked OR, as the hardware does). */
    private void setBits(long pa, long bits) {
        long off = c.phys.ramOffset(pa);
        if (off >= 0) {
            MemorySegment ram = c.ram;
            PTE.getAndBitwiseOr(ram, off, bits);
        } else {
            c.phys.write(pa, 8, c.phys.read(pa, 8) | bits);
        }
    }
}
