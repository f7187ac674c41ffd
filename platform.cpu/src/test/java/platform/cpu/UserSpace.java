package platform.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A test fixture: flat RAM with 4-level page tables built by hand, a CPU at CPL 3, and
 * helpers to map pages, load code and run it.
 *
 * <p>Physical layout: page tables are allocated from 1 MiB upward; pages mapped with
 * {@link #map} are allocated from 16 MiB upward. Everything is zero-filled.
 */
public final class UserSpace implements AutoCloseable {
    public static final long CODE = 0x400000, STACK_TOP = 0x7fff_0000_0000L, DATA = 0x600000;
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public final FlatMemory mem;
    public final Cpu cpu;
    private final MemorySegment ram;
    private final long pml4;
    private long nextTable = 1 << 20;
    private long nextPage = 16 << 20;

    public UserSpace(long ramSize) {
        mem = new FlatMemory(ramSize);
        ram = mem.ram();
        pml4 = table();
        cpu = new Cpu(mem);
        cpu.setCr3(pml4);
    }

    public UserSpace() {
        this(64 << 20);
    }

    private long table() {
        long t = nextTable;
        nextTable += 4096;
        return t;
    }

    /** PTE flags. */
    public static final long P = 1, RW = 2, US = 4, NX = 1L << 63;

    /** Maps {@code [va, va+len)} to fresh zeroed pages with the given leaf flags; returns the first physical page. */
    public long map(long va, long len, long flags) {
        long first = -1;
        for (long a = va & ~0xFFFL; a < va + len; a += 4096) {
            long pa = nextPage;
            nextPage += 4096;
            if (first < 0) {
                first = pa;
            }
            mapPage(a, pa, flags);
        }
        return first;
    }

    /** Maps one 4 KiB page. Intermediate tables are P|RW|US. */
    public void mapPage(long va, long pa, long flags) {
        long t = pml4;
        for (int level = 4; level > 1; level--) {
            long slot = t + (((va >>> (12 + 9 * (level - 1))) & 511) << 3);
            long e = ram.get(LE64, slot);
            if ((e & P) == 0) {
                e = table() | P | RW | US;
                ram.set(LE64, slot, e);
            }
            t = e & 0x000F_FFFF_FFFF_F000L;
        }
        ram.set(LE64, t + (((va >>> 12) & 511) << 3), pa | flags);
    }

    /** Physical address of the PML4 slot for {@code va} (to install hand-made tables under it). */
    public long cr3PlusIndex(long va) {
        return pml4 + (((va >>> 39) & 511) << 3);
    }

    /** The leaf entry of {@code va} (0 if not mapped at 4 KiB granularity). */
    public long pte(long va) {
        long t = pml4;
        for (int level = 4; level > 1; level--) {
            long e = ram.get(LE64, t + (((va >>> (12 + 9 * (level - 1))) & 511) << 3));
            if ((e & P) == 0) {
                return 0;
            }
            t = e & 0x000F_FFFF_FFFF_F000L;
        }
        return ram.get(LE64, t + (((va >>> 12) & 511) << 3));
    }

    /** Physical address of mapped {@code va}. */
    public long phys(long va) {
        return (pte(va) & 0x000F_FFFF_FFFF_F000L) | (va & 0xFFF);
    }

    /** Copies bytes to mapped linear memory (page by page). */
    public void poke(long va, byte[] b) {
        for (int k = 0; k < b.length; k++) {
            ram.set(ValueLayout.JAVA_BYTE, phys(va + k), b[k]);
        }
    }

    public long peek64(long va) {
        return ram.get(LE64, phys(va));
    }

    public void poke64(long va, long v) {
        ram.set(LE64, phys(va), v);
    }

    /**
     * Assembles {@code source} at {@link #CODE}, maps code (read-only, executable), a stack of
     * 64 KiB below {@link #STACK_TOP} and 64 KiB of data at {@link #DATA}, and points RIP and
     * RSP at them.
     */
    public UserSpace load(String source) {
        byte[] code = Asm.assemble(source, CODE);
        map(CODE, Math.max(code.length, 1), P | US);
        poke(CODE, code);
        map(STACK_TOP - 0x10000, 0x10000, P | RW | US | NX);
        map(DATA, 0x10000, P | RW | US | NX);
        cpu.setRip(CODE);
        cpu.setReg(CpuState.RSP, STACK_TOP);
        return this;
    }

    /** Runs until the first exit; fails the test on a budget exit after {@code budget} instructions. */
    public Exit run(long budget) {
        return cpu.run(budget);
    }

    @Override
    public void close() {
        mem.close();
    }
}
