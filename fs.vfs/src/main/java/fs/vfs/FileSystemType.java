package fs.vfs;

import java.io.IOException;
import kernel.block.BlockHandle;

/**
 * A filesystem driver (Linux's {@code file_system_type}). Registered as an OSGi service by the
 * filesystem's module; the VFS finds it by {@link #name()} when {@code mount -t NAME} asks.
 */
public interface FileSystemType {
    /** The type name given to {@code mount -t}, e.g. {@code vfat}. */
    String name();

    /**
     * Reads the superblock on {@code device} and returns the mounted filesystem.
     *
     * <p>The filesystem keeps using {@code device} until {@link FileSystem#unmount()}; the VFS
     * owns the handle and closes it after unmount (or if this method throws).
     *
     * @throws FsException (a subclass of IOException) with a clear message if the device does
     *     not hold a valid filesystem of this type, e.g. "not a FAT filesystem: bad boot
     *     signature"
     */
    FileSystem mount(BlockHandle device, String options) throws IOException;
}
