package fs.vfs;

import java.io.IOException;
import java.util.List;

/**
 * The virtual filesystem: one tree of paths over the root filesystem, the {@code /dev} view
 * of block devices and every mounted filesystem. An OSGi service.
 *
 * <p>Paths are absolute, {@code /}-separated; {@code .} and {@code ..} are resolved
 * lexically. Errors are {@link FsException}s with messages meant for the user
 * ("no such file or directory: /mnt/x").
 */
public interface Vfs {
    /** One row of the mount table. */
    record Mount(String dir, String device, String type, String label) {}

    /**
     * Mounts the filesystem of type {@code type} found on block device {@code device}
     * ({@code /dev/vda} or {@code vda}) on the existing directory {@code dir}.
     */
    void mount(String type, String device, String dir, String options) throws IOException;

    /** Unmounts the filesystem mounted on {@code dir}. */
    void umount(String dir) throws IOException;

    /** The mount table, in mount order. */
    List<Mount> mounts();

    /** Resolves {@code path} to an inode, crossing mount points. */
    Inode lookup(String path) throws IOException;

    /** Creates a directory in the root filesystem (not inside a mounted filesystem). */
    void mkdir(String path) throws IOException;

    /** Reads a whole file (at most 64 MiB). */
    byte[] readAll(String path) throws IOException;
}
