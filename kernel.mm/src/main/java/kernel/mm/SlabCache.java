package kernel.mm;

/**
 * A cache of equal-sized objects in emulated physical memory ({@code kmem_cache}), for things
 * that must live in RAM where the CPU or a device reads them: descriptor rings, page-table
 * pages, small DMA buffers. Objects are carved from buddy blocks ("slabs"); an object's address
 * is a physical address, aligned as the cache was created, and its memory is zeroed on
 * {@link #alloc}. Get a cache from the {@link SlabAllocator} service.
 *
 * <p><b>Debug mode</b> (SLUB's {@code slub_debug=FPZ} in spirit): a freed object is filled with
 * {@link #POISON} and checked on its next allocation, so a write after free is reported (an
 * {@link IllegalStateException} naming the cache, the object's address and the first changed
 * byte; the object is re-poisoned and stays free, so the cache remains consistent). In every
 * mode a double free or a foreign address is refused with an exception that names the cache and
 * the address, and changes nothing.
 *
 * <p>Thread-safe.
 */
public interface SlabCache {
    /** The byte free objects are filled with in debug mode (Linux's {@code POISON_FREE}). */
    int POISON = 0x6b;

    /**
     * Figures for {@code meminfo}, like a line of {@code /proc/slabinfo}.
     *
     * @param objectSize the size asked for at creation
     * @param stride bytes between objects (the size rounded up to the alignment)
     * @param activeObjects objects allocated now
     * @param totalObjects objects the cache's slabs hold
     * @param objectsPerSlab objects per slab
     * @param pagesPerSlab pages per slab (a buddy block of 2^n pages)
     * @param slabs slabs held (full, partial and empty)
     * @param poisonErrors use-after-free writes detected so far (debug mode)
     */
    record Stats(String name, int objectSize, int stride, long activeObjects, long totalObjects, int objectsPerSlab,
            int pagesPerSlab, long slabs, long poisonErrors) {
        /** Pages the cache holds. */
        public long pages() {
            return slabs * pagesPerSlab;
        }
    }

    String name();

    /** Object size in bytes, as created. */
    int objectSize();

    /**
     * Allocates a zeroed object.
     *
     * @return its physical address
     * @throws OutOfPagesException if a new slab is needed and no pages are free
     * @throws IllegalStateException if the cache is destroyed, or (debug mode) the object was
     *     written after it was freed
     */
    long alloc();

    /**
     * Frees the object at {@code addr}.
     *
     * @throws IllegalStateException on a double free
     * @throws IllegalArgumentException if {@code addr} is not an object of this cache
     */
    void free(long addr);

    Stats stats();

    /** Gives the pages of empty slabs back to the page allocator; returns how many pages. */
    long shrink();

    /**
     * Destroys the cache, giving all its pages back.
     *
     * @throws IllegalStateException if objects are still allocated (the cache stays usable)
     */
    void destroy();
}
