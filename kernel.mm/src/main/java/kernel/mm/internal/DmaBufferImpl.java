package kernel.mm.internal;

import kernel.core.hal.PhysMem;
import kernel.mm.DmaBuffer;

/** A run of pages handed out as a DMA buffer; accessors go through physical memory. */
final class DmaBufferImpl implements DmaBuffer {
    private final PhysMem mem;
    private final long phys;
    private final int size;
    private final int pages;
    private final String tag;
    private final ModuleDma owner;
    private volatile boolean closed;

    DmaBufferImpl(PhysMem mem, long phys, int size, int pages, String tag, ModuleDma owner) {
        this.mem = mem;
        this.phys = phys;
        this.size = size;
        this.pages = pages;
        this.tag = tag;
        this.owner = owner;
    }

    int pages() {
        return pages;
    }

    String tag() {
        return tag;
    }

    private long at(int off, int len) {
        if (closed) {
            throw new IllegalStateException("DMA buffer " + tag + " used after free");
        }
        if (off < 0 || len < 0 || len > size - off) { // no int overflow for huge offsets
            throw new IndexOutOfBoundsException("offset " + off + "+" + len + " outside DMA buffer of " + size);
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
    @Override public void get(int off, byte[] dst, int dstOff, int len) { mem.read(at(off, len), dst, dstOff, len); }
    @Override public void put(int off, byte[] src, int srcOff, int len) { mem.write(at(off, len), src, srcOff, len); }

    @Override
    public void zero(int off, int len) {
        long pa = at(off, len);
        byte[] zeros = new byte[Math.min(len, 4096)];
        for (int done = 0; done < len; done += zeros.length) {
            mem.write(pa + done, zeros, 0, Math.min(zeros.length, len - done));
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owner.release(this);
        }
    }
}
