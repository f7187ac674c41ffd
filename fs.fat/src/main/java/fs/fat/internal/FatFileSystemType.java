package fs.fat.internal;

import fs.vfs.FileSystem;
import fs.vfs.FileSystemType;
import java.io.IOException;
import kernel.block.BlockHandle;
import org.osgi.service.component.annotations.Component;

/** The "vfat" filesystem type: mounts FAT12, FAT16 and FAT32 volumes, read-only. */
@Component(immediate = true, enabled = false, service = FileSystemType.class)
public final class FatFileSystemType implements FileSystemType {
    public static final String NAME = "vfat";

    @Override
    public String name() {
        return NAME;
    }

    /** Mounts the FAT volume on {@code device}; {@code options} are ignored (always read-only). */
    @Override
    public FileSystem mount(BlockHandle device, String options) throws IOException {
        return FatFileSystem.mount(device);
    }
}
