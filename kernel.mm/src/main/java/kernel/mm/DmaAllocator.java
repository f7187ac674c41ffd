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
}
