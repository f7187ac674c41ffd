package fs.vfs;

import java.io.IOException;
import java.util.List;

/**
 * A file or directory of a mounted filesystem (Linux's {@code inode} plus its
 * {@code file_operations}, read-only for now).
 *
 * <p>Inodes are cheap handles; a filesystem may create a new instance for every lookup.
 * Every method may fail with {@link FsException} when the on-disk structures are corrupt.
 */
public interface Inode {
    boolean isDirectory();

    /** Size in bytes (0 for directories). */
    long size();

    /** Last modification time, milliseconds since the epoch, or 0 if unknown. */
    long modifiedMillis();

    /** The entries of this directory, without "." and "..", in on-disk order. */
    List<DirEntry> list() throws IOException;

    /**
     * Finds {@code name} in this directory.
     *
     * @return the inode, or {@code null} if there is no such entry
     */
    Inode lookup(String name) throws IOException;

    /**
     * Reads up to {@code len} bytes at {@code position} into {@code dst[off..]}.
     *
     * @return bytes read, or -1 at end of file
     */
    int read(long position, byte[] dst, int off, int len) throws IOException;
}
