package kernel.mm;

/**
 * Allocates DMA memory. Bundle-scoped service: each module gets its own allocator, which
 * remembers that module's buffers; whatever a module has not freed when it goes away is
 * reclaimed and reported as a leak in the kernel log.
 */
public interface DmaAllocator {
    /**
     * Allocates {@code size} bytes, zeroed, physically contiguous, page-aligned, below 4 GiB.
     *
     * @param tag what the memory is for, shown in statistics (e.g. {@code "virtqueue vda"})
     * @throws OutOfMemoryError (a {@link kernel.mm.OutOfPagesException}) if no contiguous run is free
     */
    DmaBuffer allocate(int size, String tag);

    /** Bytes this module currently holds. */
    long allocatedBytes();

    /** Buffers this module currently holds (allocated and not yet closed). */
    int liveBuffers();

    /**
     * A stand-alone allocator over the usable RAM of {@code hal}'s machine, with a page
     * allocator of its own: the same allocator and buffers the memory manager hands to modules,
     * for driver tests and tools that run outside the framework. Inside the kernel, use the
     * {@code DmaAllocator} service (the two must not be used on one machine).
     */
    static DmaAllocator forMachine(kernel.core.hal.Hal hal, String owner) {
        return kernel.mm.internal.Standalone.dma(hal, owner);
    }
}
