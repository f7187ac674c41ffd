package kernel.mm;

/**
 * A shared memory object that several address spaces can map with
 * {@link AddressSpace#mmap(long, long, int, int, SharedMemory, long)}: what a SysV shm segment
 * or a memfd is on Linux. Its pages are created zeroed on first touch and live until the
 * handle is closed and the last mapping is gone.
 */
public interface SharedMemory extends AutoCloseable {
    /** The size in bytes (a multiple of the page size). */
    long size();

    /** Pages the object holds now. */
    long residentPages();

    /** Drops the handle's reference; mappings keep the object alive. Idempotent. */
    @Override
    void close();
}
