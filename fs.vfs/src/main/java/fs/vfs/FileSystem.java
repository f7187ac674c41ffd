package fs.vfs;

import java.io.IOException;

/** A mounted filesystem instance (Linux's {@code super_block}). */
public interface FileSystem {
    /** The root directory. */
    Inode root() throws IOException;

    /** Volume label, or empty. */
    default String label() {
        return "";
    }

    /** Flushes and releases everything; no call on this instance or its inodes follows. */
    void unmount() throws IOException;
}
