package kernel.core.hal;

/**
 * A mapped register window ({@code ioremap}). Offsets are relative to {@link #base()}; an
 * access outside {@code [0, size)} throws {@link IndexOutOfBoundsException}.
 */
public interface Mmio {
    long base();

    long size();

    int read8(long offset);

    int read16(long offset);

    int read32(long offset);

    long read64(long offset);

    void write8(long offset, int value);

    void write16(long offset, int value);

    void write32(long offset, int value);

    void write64(long offset, long value);
}
