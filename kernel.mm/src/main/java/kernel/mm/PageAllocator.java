package kernel.mm;

import java.util.List;

/**
 * The physical page allocator: a buddy allocator (orders 0..{@link #MAX_ORDER}) over the usable
 * RAM of the BootInfo memory map, split into {@link Zone}s, with per-CPU caches of order-0
 * pages. Pages are 4 KiB; a block of order {@code n} is {@code 2^n} physically contiguous
 * pages, naturally aligned. An OSGi service.
 *
 * <p><b>Reference counts</b> ({@code struct page}'s {@code _refcount}): every allocated block
 * has a count, 1 after allocation. {@link #getPage} and {@link #putPage} change it for blocks
 * shared by several owners (copy-on-write pages); the block is freed when it drops to 0.
 * {@link #freePages} is for unshared blocks.
 *
 * <p>Thread-safe. Bad frees are caller bugs and are refused with an exception, never
 * corrupting the free lists.
 */
public interface PageAllocator {
    int PAGE_SIZE = 4096;
    /** The largest order: blocks of 1024 pages (4 MiB). */
    int MAX_ORDER = 10;

    /** One zone's figures; {@code freeBlocks[n]} = free blocks of order n (n = 0..MAX_ORDER). */
    record ZoneStats(Zone zone, long totalPages, long freePages, long[] freeBlocks) {}

    /** Page statistics for {@code meminfo}; {@code cachedPages} sit in the per-CPU caches (counted as free). */
    record Stats(long totalPages, long freePages, long reservedPages, long cachedPages, List<ZoneStats> zones) {}

    /**
     * Allocates a block of {@code 2^order} pages from {@code zone}, or from a lower zone if
     * {@code zone} has no free block of that order. The memory is not cleared.
     *
     * @return the physical address of the block
     * @throws OutOfPagesException if no zone at or below {@code zone} has such a block
     * @throws IllegalArgumentException if {@code order} is not in 0..MAX_ORDER
     */
    long allocPages(int order, Zone zone);

    /**
     * Frees a block returned by {@link #allocPages} with the same order, whose reference count
     * is 1.
     *
     * @throws IllegalArgumentException if the block is not allocated with that order (a double
     *     free, a wrong order, an address never handed out)
     * @throws IllegalStateException if the block is shared (count &gt; 1): use {@link #putPage}
     */
    void freePages(long phys, int order);

    /** Takes one more reference to the allocated block at {@code phys}. */
    void getPage(long phys);

    /**
     * Drops one reference to the allocated block at {@code phys}; frees it when the count
     * reaches 0.
     *
     * @return true if the block was freed
     */
    boolean putPage(long phys);

    /** The reference count of the block at {@code phys}; 0 if it is free. */
    int pageCount(long phys);

    /**
     * Allocates exactly {@code count} (1..1024) contiguous pages, all below {@code limit}: the
     * smallest block that holds them is taken from the highest zone under the limit, and its
     * pages beyond {@code count} go back to the free lists.
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

    /**
     * Returns every page held in the per-CPU caches to the buddy lists (Linux's
     * {@code drain_all_pages}): afterwards the per-order free block counts show all free memory.
     * Does nothing for an allocator without caches.
     */
    default void drainCaches() {
    }
}
