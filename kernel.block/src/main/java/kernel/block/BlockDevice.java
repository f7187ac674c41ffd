package kernel.block;

import java.io.IOException;

/**
 * A disk as a driver exposes it: the {@code block_device_operations} of Kestrel.
 *
 * <p>A driver registers one instance per disk as an OSGi service; the service registration's
 * bundle is the disk's owner module. The block layer ({@link BlockDevices}) tracks these
 * services and is the only caller: consumers open disks through it, never directly.
 *
 * <p>Transfers are whole sectors of {@link #sectorSize()} bytes. Implementations must be safe
 * for concurrent callers and may block until the hardware completes the request.
 */
public interface BlockDevice {
    /** Service property carrying the device name ({@code vda}, {@code nvme0n1}, ...). */
    String NAME = "block.name";

    /** The device name under {@code /dev}, unique in the system, e.g. {@code vda}. */
    String name();

    /** Bytes per logical sector, a power of two, at least 512. */
    int sectorSize();

    /** Number of logical sectors. */
    long sectorCount();

    boolean readOnly();

    /**
     * Reads {@code count} sectors starting at {@code sector} into {@code dst[off..]}.
     *
     * @throws IOException if the range is outside the disk or the device reports an error
     */
    void read(long sector, byte[] dst, int off, int count) throws IOException;

    /**
     * Writes {@code count} sectors starting at {@code sector} from {@code src[off..]}.
     *
     * @throws IOException if the device is read-only, the range is outside the disk or the
     *     device reports an error
     */
    void write(long sector, byte[] src, int off, int count) throws IOException;

    /** Makes completed writes durable. */
    void flush() throws IOException;
}
