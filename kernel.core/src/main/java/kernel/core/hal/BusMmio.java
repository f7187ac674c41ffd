package kernel.core.hal;

import platform.pc.PhysicalBus;

/** A register window: bounds-checked loads and stores on the machine's bus. */
final class BusMmio implements Mmio {
    private final PhysicalBus bus;
    private final long base;
    private final long size;

    BusMmio(PhysicalBus bus, long base, long size) {
        this.bus = bus;
        this.base = base;
        this.size = size;
    }

    private long at(long offset, int width) {
        if (offset < 0 || offset + width > size) {
            throw new IndexOutOfBoundsException(String.format("MMIO offset %#x+%d outside window %#x+%#x", offset, width, base, size));
        }
        return base + offset;
    }

    @Override public long base() { return base; }
    @Override public long size() { return size; }
    @Override public int read8(long o) { return (int) bus.read(at(o, 1), 1); }
    @Override public int read16(long o) { return (int) bus.read(at(o, 2), 2); }
    @Override public int read32(long o) { return (int) bus.read(at(o, 4), 4); }
    @Override public long read64(long o) { return bus.read(at(o, 8), 8); }
    @Override public void write8(long o, int v) { bus.write(at(o, 1), 1, v & 0xFFL); }
    @Override public void write16(long o, int v) { bus.write(at(o, 2), 2, v & 0xFFFFL); }
    @Override public void write32(long o, int v) { bus.write(at(o, 4), 4, v & 0xFFFF_FFFFL); }
    @Override public void write64(long o, long v) { bus.write(at(o, 8), 8, v); }
}
