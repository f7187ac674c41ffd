package fs.fat.internal;

import fs.vfs.FileSystem;
import fs.vfs.FsException;
import fs.vfs.Inode;
import java.io.IOException;
import kernel.block.BlockHandle;

/**
 * A mounted FAT12, FAT16 or FAT32 volume, read-only. The driver has four layers, bottom up:
 *
 * <pre>
 *   boot sector  BootSector, MbrPartitions   the BPB, checked and reduced to geometry
 *   FAT          FatTable, ChainWalker       cluster chains, checked link by link, loops found
 *   directory    DirectoryReader, ShortName, LongName, FatTime, FatDirent
 *                                            32-byte entries, 8.3 and VFAT long names
 *   file         FatDirectory, FatFile       the VFS inodes
 * </pre>
 *
 * Every operation runs under this object's monitor, which guards the FAT sector cache and the
 * cluster buffer that directory scans share.
 */
final class FatFileSystem implements FileSystem {
    private final BlockHandle device;
    /** Byte offset of the volume on the device (0, or the start of its partition). */
    private final long volumeStart;
    final BootSector boot;
    final FatTable fat;
    /** One cluster of directory data; guarded by this. */
    final byte[] clusterBuffer;
    private volatile String label = "";
    private boolean unmounted;

    private FatFileSystem(BlockHandle device, long volumeStart, BootSector boot) {
        this.device = device;
        this.volumeStart = volumeStart;
        this.boot = boot;
        this.fat = new FatTable(device, volumeStart, boot);
        this.clusterBuffer = new byte[boot.clusterSize];
    }

    /**
     * Mounts the FAT volume at the start of {@code device}, or else in the first FAT partition
     * of its MBR partition table.
     *
     * @throws FsException "not a FAT filesystem: ..." or "corrupt FAT filesystem: ..."
     */
    static FatFileSystem mount(BlockHandle device) throws IOException {
        long deviceBytes = device.size();
        if (deviceBytes < BootSector.SIZE)
            throw Errors.notFat("device of %d bytes cannot hold a boot sector", deviceBytes);
        byte[] sector = new byte[BootSector.SIZE];
        device.read(0, sector, 0, sector.length);
        long start = 0;
        long length = deviceBytes;
        if (BootSector.whyNotFat(sector) != null) {
            MbrPartitions.Extent partition = MbrPartitions.firstFat(sector, device.sectorSize(), deviceBytes);
            if (partition != null) {
                start = partition.start();
                length = partition.length();
                device.read(start, sector, 0, sector.length);
            }
        }
        BootSector boot = BootSector.parse(sector, length);
        FatFileSystem fs = new FatFileSystem(device, start, boot);
        synchronized (fs) {
            fs.label = fs.readLabel();
        }
        Errors.LOG.info("mounted {} volume '{}' on {}{}: {} clusters of {} bytes",
                boot.type, fs.label, device.name(), start == 0 ? "" : " at byte " + start,
                boot.clusterCount, boot.clusterSize);
        return fs;
    }

    @Override
    public Inode root() throws IOException {
        checkMounted();
        return boot.type == FatType.FAT32
                ? new FatDirectory(this, "/", false, boot.rootCluster, 0)
                : new FatDirectory(this, "/", true, 0, 0);
    }

    /** The volume label: the root directory's label entry, else the boot sector's, else "". */
    @Override
    public String label() {
        return label;
    }

    /** Nothing to flush on a read-only volume; the VFS closes the device. */
    @Override
    public synchronized void unmount() {
        unmounted = true;
    }

    /** Fails once the volume is unmounted. */
    synchronized void checkMounted() throws FsException {
        if (unmounted) throw new FsException("FAT filesystem on " + device.name() + " is unmounted");
    }

    /** Byte offset, from the start of the volume, of data cluster {@code cluster}. */
    long clusterOffset(long cluster) {
        return boot.dataOffset + (cluster - 2) * boot.clusterSize;
    }

    /** Reads {@code len} bytes at volume offset {@code offset} into {@code dst[off..]}. */
    void readVolume(long offset, byte[] dst, int off, int len) throws IOException {
        device.read(volumeStart + offset, dst, off, len);
    }

    /** Reads data cluster {@code cluster} into {@code dst[0..clusterSize)}. */
    void readCluster(long cluster, byte[] dst) throws IOException {
        readVolume(clusterOffset(cluster), dst, 0, boot.clusterSize);
    }

    /** Finds the label entry of the root directory; the caller holds this. */
    private String readLabel() throws IOException {
        String[] found = {boot.label};
        DirectoryReader.scan(this, (FatDirectory) root(), entry -> {
            if (!entry.isVolumeLabel() || entry.isDirectory()) return false;
            found[0] = entry.name();
            return true;
        });
        return found[0];
    }
}
