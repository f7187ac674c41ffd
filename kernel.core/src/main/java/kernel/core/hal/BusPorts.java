package kernel.core.hal;

import platform.pc.IoPorts;

/** Port I/O on the machine's I/O space. */
final class BusPorts implements PortIo {
    private final IoPorts io;

    BusPorts(IoPorts io) {
        this.io = io;
    }

    @Override public int inb(int port) { return io.in(port, 1) & 0xFF; }
    @Override public int inw(int port) { return io.in(port, 2) & 0xFFFF; }
    @Override public int inl(int port) { return io.in(port, 4); }
    @Override public void outb(int port, int v) { io.out(port, 1, v & 0xFF); }
    @Override public void outw(int port, int v) { io.out(port, 2, v & 0xFFFF); }
    @Override public void outl(int port, int v) { io.out(port, 4, v); }
}
