package kernel.core.hal;

/**
 * Loads and stores to physical addresses, little-endian. Used for DMA buffers and firmware
 * tables in RAM; device registers go through {@link Mmio}.
 */
public interface PhysMem {
    int read8(long pa);

    int read16(long pa);

    int read32(long pa);

    long read64(long pa);

    void write8(long pa, int value);

    void write16(long pa, int value);

    void write32(long pa, int value);

    void write64(long pa, long value);

    void read(long pa, byte[] dst, int off, int len);

    void write(long pa, byte[] src, int off, int len);
}
