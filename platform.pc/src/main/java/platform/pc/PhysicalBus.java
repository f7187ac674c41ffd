package platform.pc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The physical address space of the machine: ranges of {@link Ram} and device register
 * windows ({@link MmioHandler}), as seen by CPUs and by bus-mastering devices (DMA).
 *
 * <p><b>Scalar accesses</b> ({@link #read(long, int)}, {@link #write(long, int, long)}) behave
 * like a CPU load/store: size is 1, 2, 4 or 8 bytes, little-endian, zero-extended; a read of
 * an unmapped address returns all-ones (of the access size) and an unmapped write is
 * dropped, as on a PC (master abort). They never allocate.
 *
 * <p><b>Bulk accesses</b> ({@link #read(long, byte[], int, int)},
 * {@link #write(long, byte[], int, int)}) are DMA: they may span several adjacent RAM
 * mappings but must touch RAM only; otherwise they throw {@link BusError} (a write
 * checks the whole range first, so it has no partial effect).
 *
 * <p><b>Mappings</b> never overlap ({@code map*} throws {@link IllegalArgumentException}
 * on overlap: a bug of the caller, which must catch it if the address is guest-chosen,
 * e.g. a PCI BAR). Mapping changes are serialised and published atomically; accesses
 * are lock-free and may run concurrently on any number of threads. An access that races
 * with an unmap may still reach the old handler once, as on real hardware.
 */
public final class PhysicalBus {
    /** One mapping. Immutable except for {@code dead}, set when it is unmapped. */
    private static final class Region {
        final long base;
        final long end; // exclusive
        final MemorySegment ram; // non-null for RAM
        final MmioHandler mmio; // non-null for MMIO
        final String name;
        volatile boolean dead;

        Region(long base, long length, MemorySegment ram, MmioHandler mmio, String name) {
            this.base = base;
            this.end = base + length;
            this.ram = ram;
            this.mmio = mmio;
            this.name = name;
        }

        boolean contains(long addr) {
            return addr >= base && addr < end;
        }
    }

    /** A read-only description of one mapping, for diagnostics. */
    public record Mapping(long base, long length, String name, boolean ram) {
    }

    private volatile Region[] regions = new Region[0]; // sorted by base, copy-on-write
    private Region last; // last-hit cache; racy on purpose: Region's fields are final (or volatile)
    private final LongAdder unmappedReads = new LongAdder();
    private final LongAdder unmappedWrites = new LongAdder();

    /**
     * Maps {@code length} bytes of {@code ram}, starting at {@code ramOffset}, at physical
     * address {@code base}. {@code base} and {@code length} must be 4 KiB aligned.
     */
    public void mapRam(long base, Ram ram, long ramOffset, long length) {
        if (((base | length | ramOffset) & 0xFFF) != 0 || length <= 0) {
            throw new IllegalArgumentException("RAM mapping must be 4 KiB aligned and non-empty");
        }
        MemorySegment slice = ram.segment().asSlice(ramOffset, length);
        insert(new Region(base, length, slice, null, "ram"));
    }

    /**
     * Maps a device register window of {@code length} bytes at {@code base}. {@code handler}
     * receives offsets relative to {@code base}. {@code name} is for diagnostics.
     */
    public void mapMmio(long base, long length, MmioHandler handler, String name) {
        if (length <= 0 || base < 0 || handler == null) {
            throw new IllegalArgumentException("bad MMIO mapping " + name);
        }
        insert(new Region(base, length, null, handler, name));
    }

    /** Removes the MMIO mapping that starts at {@code base}; returns whether one existed. */
    public synchronized boolean unmapMmio(long base) {
        Region[] rs = regions;
        for (int i = 0; i < rs.length; i++) {
            if (rs[i].base == base && rs[i].mmio != null) {
                Region[] n = new Region[rs.length - 1];
                System.arraycopy(rs, 0, n, 0, i);
                System.arraycopy(rs, i + 1, n, i, rs.length - i - 1);
                rs[i].dead = true;
                regions = n;
                last = null;
                return true;
            }
        }
        return false;
    }

    private synchronized void insert(Region r) {
        if (r.end < r.base) {
            throw new IllegalArgumentException("mapping wraps around: " + r.name);
        }
        Region[] rs = regions;
        for (Region o : rs) {
            if (r.base < o.end && o.base < r.end) {
                throw new IllegalArgumentException(String.format(
                        "mapping %s [%#x,%#x) overlaps %s [%#x,%#x)", r.name, r.base, r.end, o.name, o.base, o.end));
            }
        }
        Region[] n = Arrays.copyOf(rs, rs.length + 1);
        n[rs.length] = r;
        Arrays.sort(n, (a, b) -> Long.compare(a.base, b.base));
        regions = n;
    }

    /** The region containing {@code addr}, or null. */
    private Region find(long addr) {
        Region r = last;
        if (r != null && r.contains(addr) && !r.dead) {
            return r;
        }
        Region[] rs = regions;
        int lo = 0;
        int hi = rs.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Region m = rs[mid];
            if (addr < m.base) {
                hi = mid - 1;
            } else if (addr >= m.end) {
                lo = mid + 1;
            } else {
                last = m;
                return m;
            }
        }
        return null;
    }

    private static long mask(int size) {
        return switch (size) {
            case 1 -> 0xFFL;
            case 2 -> 0xFFFFL;
            case 4 -> 0xFFFF_FFFFL;
            case 8 -> -1L;
            default -> throw new IllegalArgumentException("access size " + size);
        };
    }

    /** Reads {@code size} (1, 2, 4, 8) bytes at {@code addr}; unmapped bytes read as 0xFF. */
    public long read(long addr, int size) {
        long mask = mask(size);
        Region r = find(addr);
        if (r == null) {
            unmappedReads.increment();
            return mask;
        }
        if (addr + size > r.end) {
            return readSplit(addr, size);
        }
        long off = addr - r.base;
        if (r.ram != null) {
            return switch (size) {
                case 1 -> r.ram.get(ValueLayout.JAVA_BYTE, off) & 0xFFL;
                case 2 -> r.ram.get(Ram.LE_SHORT, off) & 0xFFFFL;
                case 4 -> r.ram.get(Ram.LE_INT, off) & 0xFFFF_FFFFL;
                default -> r.ram.get(Ram.LE_LONG, off);
            };
        }
        return r.mmio.read(off, size) & mask;
    }

    private long readSplit(long addr, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= read(addr + i, 1) << (8 * i);
        }
        return v;
    }

    /** Writes the low {@code size} (1, 2, 4, 8) bytes of {@code value} at {@code addr}; unmapped bytes are dropped. */
    public void write(long addr, int size, long value) {
        long mask = mask(size);
        Region r = find(addr);
        if (r == null) {
            unmappedWrites.increment();
            return;
        }
        if (addr + size > r.end) {
            for (int i = 0; i < size; i++) {
                write(addr + i, 1, value >>> (8 * i));
            }
            return;
        }
        long off = addr - r.base;
        if (r.ram != null) {
            switch (size) {
                case 1 -> r.ram.set(ValueLayout.JAVA_BYTE, off, (byte) value);
                case 2 -> r.ram.set(Ram.LE_SHORT, off, (short) value);
                case 4 -> r.ram.set(Ram.LE_INT, off, (int) value);
                default -> r.ram.set(Ram.LE_LONG, off, value);
            }
            return;
        }
        r.mmio.write(off, size, value & mask);
    }

    /**
     * DMA read of {@code len} bytes at {@code addr} into {@code dst[off..]}.
     *
     * @throws BusError if any byte of the range is not RAM (dst may be partly filled)
     */
    public void read(long addr, byte[] dst, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, dst.length);
        long a = addr;
        int o = off;
        int left = len;
        while (left > 0) {
            Region r = find(a);
            if (r == null || r.ram == null) {
                throw new BusError(addr, len);
            }
            int n = (int) Math.min(left, r.end - a);
            MemorySegment.copy(r.ram, ValueLayout.JAVA_BYTE, a - r.base, dst, o, n);
            a += n;
            o += n;
            left -= n;
        }
    }

    /**
     * DMA write of {@code src[off..off+len)} at {@code addr}.
     *
     * @throws BusError if any byte of the range is not RAM (nothing is written then)
     */
    public void write(long addr, byte[] src, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, src.length);
        if (!isRam(addr, len)) {
            throw new BusError(addr, len);
        }
        long a = addr;
        int o = off;
        int left = len;
        while (left > 0) {
            Region r = find(a);
            if (r == null || r.ram == null) { // unmapped concurrently
                throw new BusError(addr, len);
            }
            int n = (int) Math.min(left, r.end - a);
            MemorySegment.copy(src, o, r.ram, ValueLayout.JAVA_BYTE, a - r.base, n);
            a += n;
            o += n;
            left -= n;
        }
    }

    /** True if every byte of {@code [addr, addr+len)} is RAM ({@code len == 0}: true). */
    public boolean isRam(long addr, long len) {
        if (len < 0 || addr < 0 || addr + len < addr) {
            return false;
        }
        long a = addr;
        long end = addr + len;
        while (a < end) {
            Region r = find(a);
            if (r == null || r.ram == null) {
                return false;
            }
            a = r.end;
        }
        return true;
    }

    /**
     * A view of RAM at {@code [addr, addr+len)} if that range lies within one RAM mapping,
     * else null. For fast paths (CPU TLB, zero-copy DMA); the view dies with the RAM.
     */
    public MemorySegment ramSlice(long addr, long len) {
        Region r = find(addr);
        if (r == null || r.ram == null || len < 0 || addr + len > r.end) {
            return null;
        }
        return r.ram.asSlice(addr - r.base, len);
    }

    /** The current mappings, sorted by address. */
    public List<Mapping> mappings() {
        List<Mapping> out = new ArrayList<>();
        for (Region r : regions) {
            out.add(new Mapping(r.base, r.end - r.base, r.name, r.ram != null));
        }
        return out;
    }

    /** Number of scalar reads that hit no mapping. */
    public long unmappedReads() {
        return unmappedReads.sum();
    }

    /** Number of scalar writes that hit no mapping. */
    public long unmappedWrites() {
        return unmappedWrites.sum();
    }
}
