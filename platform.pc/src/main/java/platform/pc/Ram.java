package platform.pc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import platform.cpu.FlatMemory;

/**
 * Guest RAM: one off-heap, zero-filled block of bytes (may exceed 2 GiB, e.g. 16 GiB), addressed
 * by offset from 0. Host memory is taken only as pages are first touched (a private mapping of
 * a sparse file, see {@link FlatMemory#sparse}), so a large machine costs nothing until used. All multi-byte accessors are little-endian and unaligned-safe.
 *
 * <p>A {@code Ram} is not mapped anywhere by itself; {@link PhysicalBus#mapRam} places
 * ranges of it in the physical address space. Offsets are checked: an out-of-range access
 * throws {@link IndexOutOfBoundsException} (a bug in the caller, never a guest error,
 * because guest accesses go through the bus). Accessors are safe to call from any thread;
 * like real memory there is no ordering between threads beyond what the caller's own
 * fences provide. After {@link #close()} every access throws {@link IllegalStateException}.
 */
public final class Ram implements AutoCloseable {
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final FlatMemory memory;
    private final MemorySegment segment;

    /** Allocates {@code size} bytes of zeroed RAM; {@code size} must be a positive multiple of 4 KiB. */
    public Ram(long size) {
        if (size <= 0 || (size & 0xFFF) != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB: " + size);
        }
        this.memory = FlatMemory.sparse(size);
        this.segment = memory.ram();
    }

    /** Size in bytes. */
    public long size() {
        return segment.byteSize();
    }

    /** The backing segment (for fast paths such as the CPU's TLB). Invalid after {@link #close()}. */
    public MemorySegment segment() {
        return segment;
    }

    public int read8(long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    public int read16(long offset) {
        return segment.get(LE_SHORT, offset) & 0xFFFF;
    }

    public int read32(long offset) {
        return segment.get(LE_INT, offset);
    }

    public long read64(long offset) {
        return segment.get(LE_LONG, offset);
    }

    public void write8(long offset, int value) {
        segment.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    public void write16(long offset, int value) {
        segment.set(LE_SHORT, offset, (short) value);
    }

    public void write32(long offset, int value) {
        segment.set(LE_INT, offset, value);
    }

    public void write64(long offset, long value) {
        segment.set(LE_LONG, offset, value);
    }

    /** Copies {@code len} bytes starting at {@code offset} into {@code dst[off..]}. */
    public void read(long offset, byte[] dst, int off, int len) {
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, dst, off, len);
    }

    /** Copies {@code src[off..off+len)} into RAM at {@code offset}. */
    public void write(long offset, byte[] src, int off, int len) {
        MemorySegment.copy(src, off, segment, ValueLayout.JAVA_BYTE, offset, len);
    }

    /** Sets {@code len} bytes at {@code offset} to {@code value}. */
    public void fill(long offset, long len, byte value) {
        segment.asSlice(offset, len).fill(value);
    }

    /** Frees the memory. Idempotent. */
    @Override
    public void close() {
        try {
            memory.close();
        } catch (IllegalStateException alreadyClosed) {
            // lost a race with another close(): fine
        }
    }
}
