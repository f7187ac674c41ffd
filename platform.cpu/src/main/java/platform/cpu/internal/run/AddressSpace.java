package platform.cpu.internal.run;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import platform.cpu.CodeCache;
import platform.cpu.Cpu;

/**
 * The user address space of one cpu-run process: regions (start, end, protection) as Linux
 * keeps VMAs, backed by real x86-64 page tables ({@link PageTable}) that the CPU walks, and
 * frames from {@link Frames}.
 *
 * <p>Contract:
 * <ul>
 * <li>Regions are page-aligned, disjoint, inside [{@link #MIN_ADDR}, {@link Elf#USER_END}).
 *     A page of a region gets its frame on first touch ({@link #fault}): demand-zero paging.
 * <li>{@link #map} makes a region (replacing whatever was there), {@link #unmap} removes any
 *     part of any regions and frees their frames, {@link #protect} changes protection of a
 *     fully mapped range and rewrites the page-table entries. The CPU's TLB entries for
 *     changed pages are invalidated.
 * <li>{@link #read}/{@link #write} copy from/to user memory as the kernel does for a system
 *     call: through the page tables, with user-mode permission checks, faulting pages in;
 *     a bad address throws {@link BadAddress} (the caller returns EFAULT).
 * </ul>
 */
public final class AddressSpace {
    public static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    /** Lowest address a region may use (Linux's default vm.mmap_min_addr). */
    public static final long MIN_ADDR = 0x10000;
    static final long PAGE = 4096;

    /** A user address that may not be accessed the way a system call asked. */
    public static final class BadAddress extends RuntimeException {
        final long va;

        BadAddress(long va) {
            super(String.format("bad user address 0x%x", va), null, false, false);
            this.va = va;
        }
    }

    /** A region: [start, end) with mmap protection bits. */
    record Region(long start, long end, int prot) {}

    /** Kinds of access, as for a page fault. */
    public static final int READ = 0, WRITE = 1, EXEC = 2;

    private final MemorySegment ram;
    private final CodeCache code;
    private final Cpu cpu;
    final Frames frames;
    final PageTable pt;
    private final TreeMap<Long, Region> regions = new TreeMap<>();

    /** An empty address space in {@code ram}; {@code cpu} (whose TLB is kept coherent) gets its CR3. */
    public AddressSpace(MemorySegment ram, Cpu cpu) {
        this.ram = ram;
        this.cpu = cpu;
        this.code = cpu.codeCache();
        this.frames = new Frames(ram, code);
        this.pt = new PageTable(ram, frames);
        cpu.setCr3(pt.root);
    }

    /** Physical address of the PML4. */
    public long cr3() {
        return pt.root;
    }

    static long pageDown(long a) {
        return a & ~(PAGE - 1);
    }

    static long pageUp(long a) {
        return (a + PAGE - 1) & ~(PAGE - 1);
    }

    // ---- regions ---------------------------------------------------------------------

    /** True if no region intersects [start, start+len) and the range is in user space. */
    public boolean isFree(long start, long len) {
        long end = start + len;
        if (start < MIN_ADDR || len <= 0 || end > Elf.USER_END || end < start) {
            return false;
        }
        Map.Entry<Long, Region> e = regions.lowerEntry(end);
        return e == null || e.getValue().end <= start;
    }

    /** The highest free page-aligned range of {@code len} bytes ending at or below {@code top}, or -1. */
    public long findFree(long len, long top) {
        long end = pageDown(top);
        for (;;) {
            long start = end - len;
            if (start < MIN_ADDR || start > end) {
                return -1;
            }
            Map.Entry<Long, Region> e = regions.lowerEntry(end);
            if (e == null || e.getValue().end <= start) {
                return start;
            }
            end = e.getValue().start;
        }
    }

    /** Makes [start, start+len) one region with protection {@code prot}, unmapping what was there. */
    public void map(long start, long len, int prot) {
        unmap(start, len);
        long end = start + len;
        // coalesce with neighbours of the same protection (a heap grown by brk stays one region)
        Map.Entry<Long, Region> below = regions.lowerEntry(start);
        if (below != null && below.getValue().end == start && below.getValue().prot == prot) {
            start = below.getKey();
            regions.remove(start);
        }
        Region above = regions.get(end);
        if (above != null && above.prot == prot) {
            regions.remove(end);
            end = above.end;
        }
        regions.put(start, new Region(start, end, prot));
    }

    /** Removes [start, start+len) from every region and frees its frames. */
    public void unmap(long start, long len) {
        long end = start + len;
        split(start);
        split(end);
        List<Region> gone = new ArrayList<>(regions.subMap(start, end).values());
        for (Region r : gone) {
            regions.remove(r.start);
            clear(r.start, r.end);
        }
    }

    /**
     * Sets the protection of [start, start+len), which must be covered by regions without a
     * hole; returns false (and changes nothing) if it is not.
     */
    public boolean protect(long start, long len, int prot) {
        long end = start + len;
        if (!covered(start, len)) {
            return false;
        }
        split(start);
        split(end);
        List<Region> hit = new ArrayList<>(regions.subMap(start, end).values());
        for (Region r : hit) {
            regions.put(r.start, new Region(r.start, r.end, prot));
        }
        long flags = PageTable.flags(prot);
        boolean flush = false;
        for (long va = start; va < end; va += PAGE) {
            long slot = pt.slot(va, false);
            if (slot < 0) {
                va = (va | 0x1FFFFF) + 1 - PAGE; // no page table: skip to the next 2 MiB
                continue;
            }
            long old = pt.getAt(slot);
            if ((old & PageTable.OWNED) != 0) {
                pt.setAt(slot, (old & PageTable.ADDR) | flags | (old & (PageTable.A | PageTable.D)));
                if ((old & PageTable.P) != 0) { // only present entries can be in the TLB
                    if (len > 32 * PAGE) {
                        flush = true;
                    } else {
                        cpu.invlpg(va);
                    }
                }
            }
        }
        if (flush) {
            cpu.flushTlb();
        }
        return true;
    }

    /** True if regions cover [start, start+len) without a hole. */
    public boolean covered(long start, long len) {
        long at = start, end = start + len;
        Map.Entry<Long, Region> e = regions.floorEntry(start);
        if (e == null || e.getValue().end <= start) {
            return false;
        }
        for (Region r : regions.tailMap(e.getKey()).values()) {
            if (r.start > at) {
                return false;
            }
            at = r.end;
            if (at >= end) {
                return true;
            }
        }
        return false;
    }

    /** Frees the frames of the pages of [start, start+len), keeping the regions: the pages read as zero when next touched. */
    public void discard(long start, long len) {
        clear(start, start + len);
    }

    /**
     * Moves the pages of [from, from+len), which lie in one region, to [to, to+len) (which
     * must be free), frames and all; the old range becomes unmapped.
     */
    public void move(long from, long len, long to) {
        Region r = regionAt(from);
        map(to, len, r.prot);
        for (long off = 0; off < len; off += PAGE) {
            long slot = pt.slot(from + off, false);
            if (slot < 0) {
                off = ((from + off) | 0x1FFFFF) + 1 - PAGE - from;
                continue;
            }
            long e = pt.getAt(slot);
            if ((e & PageTable.OWNED) != 0) {
                pt.setAt(slot, 0);
                pt.set(to + off, e);
                if ((e & PageTable.P) != 0) {
                    cpu.invlpg(from + off);
                }
            }
        }
        unmap(from, len); // only the region is left to remove: its entries are clear
    }

    /** The region containing {@code va}, or null. */
    Region regionAt(long va) {
        Map.Entry<Long, Region> e = regions.floorEntry(va);
        return e != null && e.getValue().end > va ? e.getValue() : null;
    }

    /** Every region, in address order. */
    List<Region> regions() {
        return List.copyOf(regions.values());
    }

    /** Cuts the region containing {@code at} (if any) in two at {@code at}. */
    private void split(long at) {
        Map.Entry<Long, Region> e = regions.lowerEntry(at);
        if (e != null && e.getValue().end > at) {
            Region r = e.getValue();
            regions.put(r.start, new Region(r.start, at, r.prot));
            regions.put(at, new Region(at, r.end, r.prot));
        }
    }

    /** Frees the frames of [start, end) and clears their entries. */
    private void clear(long start, long end) {
        boolean many = end - start > 32 * PAGE;
        boolean flush = false;
        for (long va = start; va < end; va += PAGE) {
            long slot = pt.slot(va, false);
            if (slot < 0) {
                va = (va | 0x1FFFFF) + 1 - PAGE;
                continue;
            }
            long e = pt.getAt(slot);
            if ((e & PageTable.OWNED) != 0) {
                pt.setAt(slot, 0);
                frames.free(e & PageTable.ADDR);
                if ((e & PageTable.P) != 0) {
                    if (many) {
                        flush = true;
                    } else {
                        cpu.invlpg(va);
                    }
                }
            }
        }
        if (flush) {
            cpu.flushTlb();
        }
    }

    // ---- page faults -----------------------------------------------------------------

    /**
     * Resolves a fault on {@code va} for {@code access} (READ, WRITE, EXEC) by giving the page
     * a zeroed frame, if a region allows that access and the page has none yet. Returns false
     * if the access is not allowed (the process gets SIGSEGV). Throws {@link Frames.Exhausted}
     * when RAM is full.
     */
    public boolean fault(long va, int access) {
        Region r = regionAt(va);
        if (r == null || !allows(r.prot, access)) {
            return false;
        }
        long slot = pt.slot(va, true);
        long e = pt.getAt(slot);
        if ((e & PageTable.OWNED) != 0) {
            return false; // present with these rights already: a real protection violation
        }
        pt.setAt(slot, frames.alloc() | PageTable.flags(r.prot));
        return true;
    }

    private static boolean allows(int prot, int access) {
        return switch (access) {
            case WRITE -> (prot & PROT_WRITE) != 0;
            case EXEC -> (prot & PROT_EXEC) != 0;
            default -> prot != 0; // on x86 every mapping that is present can be read
        };
    }

    /** Physical address of user address {@code va} for a kernel copy, faulting the page in; throws {@link BadAddress}. */
    private long translate(long va, boolean write) {
        if (va < 0 || va >= Elf.USER_END) {
            throw new BadAddress(va);
        }
        for (int tries = 0; tries < 2; tries++) {
            long e = pt.get(va);
            if ((e & PageTable.P) != 0 && (!write || (e & PageTable.RW) != 0)) {
                return (e & PageTable.ADDR) | (va & (PAGE - 1));
            }
            if (!fault(va, write ? WRITE : READ)) {
                break;
            }
        }
        throw new BadAddress(va);
    }

    // ---- copy-in / copy-out ----------------------------------------------------------

    /** Copies {@code len} bytes of user memory at {@code va} into {@code dst[off..]}. */
    public void read(long va, byte[] dst, int off, int len) {
        while (len > 0) {
            int n = (int) Math.min(len, PAGE - (va & (PAGE - 1)));
            MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, translate(va, false), dst, off, n);
            va += n;
            off += n;
            len -= n;
        }
    }

    /** Copies {@code src[off..off+len)} to user memory at {@code va}. */
    public void write(long va, byte[] src, int off, int len) {
        while (len > 0) {
            int n = (int) Math.min(len, PAGE - (va & (PAGE - 1)));
            long pa = translate(va, true);
            MemorySegment.copy(src, off, ram, ValueLayout.JAVA_BYTE, pa, n);
            code.invalidate(pa & ~(PAGE - 1), PAGE);
            va += n;
            off += n;
            len -= n;
        }
    }

    public byte[] read(long va, int len) {
        byte[] b = new byte[len];
        read(va, b, 0, len);
        return b;
    }

    public void write(long va, byte[] src) {
        write(va, src, 0, src.length);
    }

    public long read64(long va) {
        byte[] b = read(va, 8);
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    public void write64(long va, long v) {
        byte[] b = new byte[8];
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(v);
        write(va, b);
    }

    /**
     * The NUL-terminated string at {@code va}, as UTF-8; null if there is no NUL in its first
     * {@code max} bytes (the caller's ENAMETOOLONG).
     */
    public String readString(long va, int max) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int k = 0; k < max; k++) {
            byte c = ram.get(ValueLayout.JAVA_BYTE, translate(va + k, false));
            if (c == 0) {
                return out.toString(StandardCharsets.UTF_8);
            }
            out.write(c);
        }
        return null;
    }

    /**
     * Writes {@code src} at {@code va} whatever the protection (the ELF loader filling a
     * read-only segment); the pages must lie in regions.
     */
    void poke(long va, byte[] src, int off, int len) {
        while (len > 0) {
            int n = (int) Math.min(len, PAGE - (va & (PAGE - 1)));
            long e = pt.get(va);
            if ((e & PageTable.OWNED) == 0) {
                Region r = regionAt(va);
                if (r == null) {
                    throw new BadAddress(va);
                }
                pt.set(va, frames.alloc() | PageTable.flags(r.prot));
                e = pt.get(va);
            }
            long pa = (e & PageTable.ADDR) | (va & (PAGE - 1));
            MemorySegment.copy(src, off, ram, ValueLayout.JAVA_BYTE, pa, n);
            code.invalidate(pa & ~(PAGE - 1), PAGE);
            va += n;
            off += n;
            len -= n;
        }
    }
}
