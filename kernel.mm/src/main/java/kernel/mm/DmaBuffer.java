package kernel.mm;

/**
 * A physically contiguous, page-aligned buffer in RAM that devices can reach by DMA
 * ({@code dma_alloc_coherent}). Accessors take offsets into the buffer, are little-endian and
 * go through the HAL's physical memory, so what the kernel writes is exactly what the device
 * reads. {@link #close()} gives the pages back; using the buffer afterwards throws
 * {@link IllegalStateException}.
 */
public interface DmaBuffer extends AutoCloseable {
    /** Physical (bus) address of byte 0, page-aligned. */
    long phys();

    /** Usable size in bytes (the requested size; the allocation is whole pages). */
    int size();

    int get8(int off);

    int get16(int off);

    int get32(int off);

    long get64(int off);

    void put8(int off, int v);

    void put16(int off, int v);

    void put32(int off, int v);

    void put64(int off, long v);

    void get(int off, byte[] dst, int dstOff, int len);

    void put(int off, byte[] src, int srcOff, int len);

    /** Fills {@code [off, off+len)} with zeros. */
    void zero(int off, int len);

    @Override
    void close();
}
