package kernel.mm;

/**
 * The physical page allocator, built from the BootInfo memory map. Pages are 4 KiB; runs of
 * pages are physically contiguous. An OSGi service.
 */
public interface PageAllocator {
    int PAGE_SIZE = 4096;

    /** Page statistics for {@code meminfo}. */
    record Stats(long totalPages, long freePages, long reservedPages) {}

    /**
     * Allocates {@code count} contiguous pages whose addresses are all below {@code limit}.
     *
     * @return the physical address of the first page
     * @throws OutOfPagesException if there is no such run
     */
    long allocate(int count, long limit);

    /**
     * Frees a run returned by {@link #allocate}.
     *
     * @throws IllegalArgumentException if the run was not allocated (double free)
     */
    void free(long phys, int count);

    Stats stats();
}
