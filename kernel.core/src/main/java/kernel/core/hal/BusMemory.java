package kernel.core.hal;

import platform.pc.PhysicalBus;

/** Physical memory access straight on the machine's bus. */
final class BusMemory implements PhysMem {
    private final PhysicalBus bus;

    BusMemory(PhysicalBus bus) {
        this.bus = bus;
    }

    @Override public int read8(long pa) { return (int) bus.read(pa, 1); }
    @Override public int read16(long pa) { return (int) bus.read(pa, 2); }
    @Override public int read32(long pa) { return (int) bus.read(pa, 4); }
    @Override public long read64(long pa) { return bus.read(pa, 8); }
    @Override public void write8(long pa, int v) { bus.write(pa, 1, v & 0xFFL); }
    @Override public void write16(long pa, int v) { bus.write(pa, 2, v & 0xFFFFL); }
    @Override public void write32(long pa, int v) { bus.write(pa, 4, v & 0xFFFF_FFFFL); }
    @Override public void write64(long pa, long v) { bus.write(pa, 8, v); }
    @Override public void read(long pa, byte[] dst, int off, int len) { bus.read(pa, dst, off, len); }
    @Override public void write(long pa, byte[] src, int off, int len) { bus.write(pa, src, off, len); }
}
