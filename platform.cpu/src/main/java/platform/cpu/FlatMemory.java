package platform.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Physical memory that is RAM from address 0 to {@code size}, and nothing above (reads of
 * all-ones, writes dropped). For tests and for {@code cpu-run}, which need no devices.
 */
public final class FlatMemory implements PhysicalMemory, AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ram;

    /** Zero-filled RAM of {@code size} bytes, a multiple of 4 KiB. */
    public FlatMemory(long size) {
        if (size <= 0 || (size & 0xFFF) != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB: " + size);
        }
        ram = arena.allocate(size, 4096);
    }

    @Override
    public MemorySegment ram() {
        return ram;
    }

    @Override
    public long ramOffset(long pa) {
        return pa >= 0 && pa < ram.byteSize() ? pa : -1;
    }

    @Override
    public long read(long pa, int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    @Override
    public void write(long pa, int size, long value) {
        // nothing there
    }

    @Override
    public void close() {
        arena.close();
    }
}
