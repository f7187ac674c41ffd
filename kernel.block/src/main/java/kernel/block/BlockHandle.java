package kernel.block;

import java.io.IOException;

/**
 * An open disk, as returned by {@link BlockDevices#open}. While any handle is open the disk's
 * owner module is held in use, so its driver cannot be unloaded.
 *
 * <p>Offsets and lengths are in bytes and need not be sector-aligned: the block layer does the
 * read-modify-write. After {@link #close()} or after the device has gone away, every call
 * fails with an {@link IOException} that says so.
 */
public interface BlockHandle extends AutoCloseable {
    String name();

    int sectorSize();

    /** Size of the disk in bytes. */
    long size();

    boolean readOnly();

    /** Reads exactly {@code len} bytes at {@code offset}; fails if the range passes the end. */
    void read(long offset, byte[] dst, int off, int len) throws IOException;

    void write(long offset, byte[] src, int off, int len) throws IOException;

    void flush() throws IOException;

    /** Releases the hold on the device. Idempotent. */
    @Override
    void close();
}
