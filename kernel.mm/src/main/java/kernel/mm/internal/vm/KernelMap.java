package kernel.mm.internal.vm;

import java.util.ArrayList;
import java.util.List;
import kernel.core.hal.PhysMem;
import kernel.mm.PageAllocator;
import kernel.mm.VirtualMemory;
import kernel.mm.Zone;
import platform.pc.MemoryRegion;

/**
 * The kernel half shared by every address space: the direct map of physical memory at
 * {@link VirtualMemory#DIRECT_MAP_BASE} (Linux's page_offset_base with 4-level paging). Every
 * region of the firmware memory map (RAM and firmware-reserved RAM; device windows are not
 * in it) is mapped read/write, supervisor-only, no-execute and global, with 1 GiB pages where a
 * whole aligned GiB is covered and 2 MiB pages elsewhere (regions rounded out to 2 MiB).
 *
 * <p>The PDPT and PD pages are built once; each new PML4 gets copies of the kernel-half PML4
 * entries, so all address spaces share the same PDPT pages (the kernel half never changes
 * after boot, so nothing needs to be propagated, as on Linux x86-64 with pre-populated PGDs).
 */
final class KernelMap {
    static final long LEAF_FLAGS = Pte.P | Pte.RW | Pte.A | Pte.D | Pte.PS | Pte.G | Pte.NX;
    private static final long GIB = 1L << 30, MIB2 = 2L << 20;

    private final PhysMem mem;
    private final long[] pml4 = new long[512]; // kernel-half entries (256..511), 0 if none
    private final List<Long> tables = new ArrayList<>();

    KernelMap(PhysMem mem, PageAllocator pages, List<MemoryRegion> map, VirtualMemoryImpl vm) {
        this.mem = mem;
        map = map.stream().filter(r -> r.type() != MemoryRegion.Type.MMIO).toList();
        long top = 0;
        for (MemoryRegion r : map) {
            top = Math.max(top, r.end());
        }
        for (long gib = 0; gib < top; gib += GIB) {
            long va = VirtualMemory.DIRECT_MAP_BASE + gib;
            int i4 = PageTables.index(va, 4);
            if (pml4[i4] == 0) {
                pml4[i4] = newTable(pages, vm) | Pte.TABLE & ~Pte.US;
            }
            long pdpt = Pte.frame(pml4[i4]);
            long e3 = pdpt + 8L * PageTables.index(va, 3);
            if (covered(map, gib, gib + GIB)) {
                mem.write64(e3, gib | LEAF_FLAGS);
                continue;
            }
            long pd = 0;
            for (long m = gib; m < gib + GIB && m < top; m += MIB2) {
                if (!overlaps(map, m, m + MIB2)) {
                    continue;
                }
                if (pd == 0) {
                    pd = newTable(pages, vm);
                    mem.write64(e3, pd | (Pte.TABLE & ~Pte.US));
                }
                mem.write64(pd + 8L * PageTables.index(VirtualMemory.DIRECT_MAP_BASE + m, 2), m | LEAF_FLAGS);
            }
        }
    }

    private long newTable(PageAllocator pages, VirtualMemoryImpl vm) {
        long pa = pages.allocPages(0, Zone.NORMAL);
        vm.zero(pa);
        tables.add(pa);
        return pa;
    }

    private static boolean covered(List<MemoryRegion> map, long start, long end) {
        long at = start;
        boolean progress = true;
        while (at < end && progress) {
            progress = false;
            for (MemoryRegion r : map) {
                if (r.base() <= at && r.end() > at) {
                    at = r.end();
                    progress = true;
                }
            }
        }
        return at >= end;
    }

    private static boolean overlaps(List<MemoryRegion> map, long start, long end) {
        for (MemoryRegion r : map) {
            if (r.base() < end && r.end() > start) {
                return true;
            }
        }
        return false;
    }

    /** Copies the kernel-half entries into a new PML4 at {@code root}. */
    void install(long root) {
        for (int i = 256; i < 512; i++) {
            if (pml4[i] != 0) {
                mem.write64(root + 8L * i, pml4[i]);
            }
        }
    }

    /** The page-table pages of the direct map (freed when the service goes away). */
    List<Long> tables() {
        return tables;
    }
}
