package platform.devices;

import java.io.Closeable;
import java.io.IOException;

/**
 * Host-side storage behind an emulated disk: a fixed-size array of bytes.
 *
 * <p>Callers (device models) keep every access inside {@code [0, size())}; an access outside
 * it, a write to a read-only backend, or a host I/O failure throws {@link IOException}, which
 * the device turns into its error status. A backend is used by one device, from that
 * device's worker thread; implementations need not support concurrent calls.
 */
public interface BlockBackend extends Closeable {
    /** Size in bytes (fixed for the backend's life). */
    long size();

    /** True if writes are refused. */
    boolean readOnly();

    /** Reads {@code len} bytes at byte {@code offset} into {@code buf[off..]}. */
    void read(long offset, byte[] buf, int off, int len) throws IOException;

    /** Writes {@code buf[off..off+len)} at byte {@code offset}. */
    void write(long offset, byte[] buf, int off, int len) throws IOException;

    /** Makes completed writes durable. */
    void flush() throws IOException;

    /** Releases the host resource. Idempotent. */
    @Override
    void close() throws IOException;
}
