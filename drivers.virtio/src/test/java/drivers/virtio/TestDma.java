package drivers.virtio;

import java.util.BitSet;
import kernel.core.hal.Hal;
import kernel.core.hal.PhysMem;
import kernel.mm.DmaAllocator;
import kernel.mm.DmaBuffer;
import kernel.mm.OutOfPagesException;
import platform.pc.MemoryRegion;

/**
 * Test-only DMA allocator: first-fit runs of 4 KiB pages carved from the largest usable RAM
 * region below 4 GiB of the machine's memory map, accessed through the HAL's physical memory.
 * Counts live buffers so tests can check that a driver freed everything.
 */
final class TestDma implements DmaAllocator {
    private static final int PAGE = 4096;

    private final PhysMem mem;
    private final long base;
    private final int pages;
    private final BitSet used = new BitSet();
    private long allocated;
    private int live;

    TestDma(Hal hal) {
        MemoryRegion best = null;
        for (MemoryRegion r : hal.bootInfo().memoryMap()) {
            if (r.type() == MemoryRegion.Type.USABLE && r.end() <= 1L << 32 && r.base() >= 1 << 20
                    && (best == null || r.length() > best.length())) {
                best = r;
            }
        }
        this.mem = hal.memory();
        this.base = (best.base() + PAGE - 1) & -PAGE;
        this.pages = (int) ((best.end() - base) / PAGE);
    }

    @Override
    public synchronized DmaBuffer allocate(int size, String tag) {
        int n = Math.max(1, (size + PAGE - 1) / PAGE);
        for (int start = used.nextClearBit(0); start + n <= pages; start = used.nextClearBit(start + 1)) {
            int busy = used.nextSetBit(start);
            if (busy < 0 || busy >= start + n) {
                used.set(start, start + n);
                allocated += (long) n * PAGE;
                live++;
                Buffer b = new Buffer(base + (long) start * PAGE, size, start, n);
                b.zero(0, size);
                return b;
            }
            start = busy;
        }
        throw new OutOfPagesException("no run of " + n + " pages for " + tag);
    }

    private synchronized void free(Buffer b) {
        used.clear(b.first, b.first + b.count);
        allocated -= (long) b.count * PAGE;
        live--;
    }

    @Override
    public synchronized long allocatedBytes() {
        return allocated;
    }

    /** Buffers allocated and not closed. */
    synchronized int liveBuffers() {
        return live;
    }

    private final class Buffer implements DmaBuffer {
        final long phys;
        final int size;
        final int first;
        final int count;
        volatile boolean closed;

        Buffer(long phys, int size, int first, int count) {
            this.phys = phys;
            this.size = size;
            this.first = first;
            this.count = count;
        }

        private long at(int off, int len) {
            if (closed) {
                throw new IllegalStateException("DMA buffer used after close");
            }
            if (off < 0 || len < 0 || off + len > size) {
                throw new IndexOutOfBoundsException(off + "+" + len + " outside " + size);
            }
            return phys + off;
        }

        @Override public long phys() { return phys; }
        @Override public int size() { return size; }
        @Override public int get8(int off) { return mem.read8(at(off, 1)); }
        @Override public int get16(int off) { return mem.read16(at(off, 2)); }
        @Override public int get32(int off) { return mem.read32(at(off, 4)); }
        @Override public long get64(int off) { return mem.read64(at(off, 8)); }
        @Override public void put8(int off, int v) { mem.write8(at(off, 1), v); }
        @Override public void put16(int off, int v) { mem.write16(at(off, 2), v); }
        @Override public void put32(int off, int v) { mem.write32(at(off, 4), v); }
        @Override public void put64(int off, long v) { mem.write64(at(off, 8), v); }
        @Override public void get(int off, byte[] dst, int d, int len) { mem.read(at(off, len), dst, d, len); }
        @Override public void put(int off, byte[] src, int s, int len) { mem.write(at(off, len), src, s, len); }

        @Override
        public void zero(int off, int len) {
            long pa = at(off, len);
            byte[] z = new byte[Math.min(len, 65536)];
            for (int done = 0; done < len; done += z.length) {
                mem.write(pa + done, z, 0, Math.min(z.length, len - done));
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                free(this);
            }
        }
    }
}
