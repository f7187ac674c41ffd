package kernel.block;

import java.io.IOException;
import java.util.List;

/**
 * The block layer: the registry of every {@link BlockDevice} in the system and the only way to
 * open one. An OSGi service.
 */
public interface BlockDevices {
    /** A registered disk as the registry sees it. */
    record Info(String name, long size, int sectorSize, boolean readOnly, String owner, List<String> holders) {}

    /** Every registered disk, sorted by name. */
    List<Info> list();

    /** The disk called {@code name}, if registered. */
    java.util.Optional<Info> find(String name);

    /**
     * Opens {@code name} (with or without a leading {@code /dev/}) on behalf of {@code holder},
     * a short description such as {@code "mounted on /mnt"}; the description shows up when
     * someone tries to unload the disk's driver.
     *
     * @throws IOException if no such disk is registered
     */
    BlockHandle open(String name, String holder) throws IOException;
}
