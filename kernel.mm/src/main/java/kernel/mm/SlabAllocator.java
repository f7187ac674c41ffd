package kernel.mm;

import java.util.List;

/**
 * Creates {@link SlabCache}s ({@code kmem_cache_create}). Bundle-scoped OSGi service: caches a
 * module has not destroyed when it goes away are destroyed for it, their live objects reported
 * as leaks in the kernel log.
 */
public interface SlabAllocator {
    /**
     * Creates a cache of objects of {@code size} bytes aligned to {@code align}, in slabs taken
     * from {@code zone} (or a lower zone, as {@link PageAllocator#allocPages} does).
     *
     * @param name shown in {@code meminfo}, e.g. {@code "virtio-ring"}
     * @param size object size in bytes, 1 .. 1 MiB
     * @param align a power of two, 1 .. 4096 (objects are at least 8-byte aligned)
     * @param debug poison free objects and check them on allocation
     * @throws IllegalArgumentException on a bad size or alignment
     */
    SlabCache create(String name, int size, int align, Zone zone, boolean debug);

    /** A cache in {@link Zone#NORMAL} (with fallback to the lower zones). */
    default SlabCache create(String name, int size, int align, boolean debug) {
        return create(name, size, align, Zone.NORMAL, debug);
    }

    /** Every live cache's figures (all modules), by name. */
    List<SlabCache.Stats> caches();
}
