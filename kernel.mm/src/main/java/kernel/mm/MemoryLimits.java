package kernel.mm;

/**
 * The resource limits an address space enforces, in bytes (Linux's {@code RLIMIT_AS},
 * {@code RLIMIT_DATA} and {@code RLIMIT_STACK} soft limits; {@link #UNLIMITED} is
 * {@code RLIM_INFINITY}). What each one bounds, as in Linux's {@code may_expand_vm} and
 * {@code acct_stack_growth}:
 * <ul>
 * <li>{@code addressSpace}: the total size of all areas. mmap, mremap growth, brk and stack
 *     growth past it fail with {@code -ENOMEM} (a stack growth with SIGSEGV).</li>
 * <li>{@code data}: private writable areas that are not stacks, the heap included. mmap and
 *     mremap past it fail with {@code -ENOMEM}, mprotect making such an area with
 *     {@code -ENOMEM}, brk past {@code start_brk + data} leaves the break unchanged.</li>
 * <li>{@code stack}: the size a grows-down area may grow to by faults below it.</li>
 * </ul>
 * Checks cost a walk of the areas only while a limit is finite.
 */
public record MemoryLimits(long addressSpace, long data, long stack) {
    /** RLIM_INFINITY. */
    public static final long UNLIMITED = Long.MAX_VALUE;
    /** Linux's defaults: no address-space or data limit, an 8 MiB stack. */
    public static final MemoryLimits DEFAULT = new MemoryLimits(UNLIMITED, UNLIMITED, AddressSpace.STACK_LIMIT);

    /** @throws IllegalArgumentException for a negative limit */
    public MemoryLimits {
        if (addressSpace < 0 || data < 0 || stack < 0) {
            throw new IllegalArgumentException("negative limit");
        }
    }

    public MemoryLimits withAddressSpace(long bytes) {
        return new MemoryLimits(bytes, data, stack);
    }

    public MemoryLimits withData(long bytes) {
        return new MemoryLimits(addressSpace, bytes, stack);
    }

    public MemoryLimits withStack(long bytes) {
        return new MemoryLimits(addressSpace, data, bytes);
    }
}
