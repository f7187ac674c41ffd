package kernel.mm;

/**
 * kernel.mm's virtual-memory service: makes {@link AddressSpace}s over the kernel's page
 * allocator, all sharing the kernel half (the direct map of physical memory at
 * {@link #DIRECT_MAP_BASE}, 1 GiB and 2 MiB pages, supervisor-only, no-execute, global).
 * An OSGi service.
 */
public interface VirtualMemory {
    /** Where physical address 0 appears in every address space (Linux's __PAGE_OFFSET with 4-level paging). */
    long DIRECT_MAP_BASE = 0xFFFF_8880_0000_0000L;

    /** Counters since start. */
    record Stats(long addressSpaces, long pageTablePages, long faults, long zeroFills, long cowCopies,
                 long cowReuses, long segvs, long shootdowns, long shootdownIpis) {}

    /** A new, empty address space (only the kernel half mapped). */
    AddressSpace createAddressSpace();

    /**
     * A shared memory object of {@code size} bytes (rounded up to pages) to map into any number
     * of address spaces.
     *
     * @throws IllegalArgumentException if {@code size} is not positive
     */
    SharedMemory createSharedMemory(long size);

    /** The direct-map virtual address of physical address {@code phys}. */
    default long directMap(long phys) {
        return DIRECT_MAP_BASE + phys;
    }

    Stats stats();
}
