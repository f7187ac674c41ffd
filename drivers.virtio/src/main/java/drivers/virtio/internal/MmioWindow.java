package drivers.virtio.internal;

import kernel.core.hal.Mmio;

/** A bounds-checked sub-window {@code [offset, offset+size)} of a mapped BAR. */
public final class MmioWindow implements Mmio {
    private final Mmio bar;
    private final long offset;
    private final long size;

    public MmioWindow(Mmio bar, long offset, long size) {
        if (offset < 0 || size < 0 || offset + size > bar.size()) {
            throw new IllegalArgumentException(String.format("window %#x+%#x outside BAR of size %#x", offset, size, bar.size()));
        }
        this.bar = bar;
        this.offset = offset;
        this.size = size;
    }

    private long at(long o, int width) {
        if (o < 0 || o + width > size) {
            throw new IndexOutOfBoundsException(String.format("offset %#x+%d outside window of size %#x", o, width, size));
        }
        return offset + o;
    }

    @Override public long base() { return bar.base() + offset; }
    @Override public long size() { return size; }
    @Override public int read8(long o) { return bar.read8(at(o, 1)); }
    @Override public int read16(long o) { return bar.read16(at(o, 2)); }
    @Override public int read32(long o) { return bar.read32(at(o, 4)); }
    @Override public long read64(long o) { return bar.read64(at(o, 8)); }
    @Override public void write8(long o, int v) { bar.write8(at(o, 1), v); }
    @Override public void write16(long o, int v) { bar.write16(at(o, 2), v); }
    @Override public void write32(long o, int v) { bar.write32(at(o, 4), v); }
    @Override public void write64(long o, long v) { bar.write64(at(o, 8), v); }
}
