package fs.fat.internal;

import static fs.fat.internal.LittleEndian.u16;
import static fs.fat.internal.LittleEndian.u32;
import static fs.fat.internal.LittleEndian.u8;

import fs.vfs.FsException;

/**
 * The boot sector: its BIOS Parameter Block (BPB), checked field by field and reduced to the
 * volume's geometry, that is where the FAT, the FAT12/16 root directory and the data clusters
 * lie. Byte offsets of the fields used (all little-endian):
 *
 * <pre>
 *   11 bytes per sector     13 sectors per cluster   14 reserved sectors   16 number of FATs
 *   17 root dir entries     19 total sectors (16)    21 media descriptor   22 FAT size (16)
 *   32 total sectors (32)
 *   FAT12/16:  38 extended boot signature 0x29       43 volume label (11)
 *   FAT32:     36 FAT size (32)   40 flags   42 version   44 root cluster
 *              66 extended boot signature 0x29       71 volume label (11)
 *   510 signature 0x55 0xAA
 * </pre>
 *
 * The volume is laid out as: reserved sectors, the FATs, the fixed root directory (FAT12/16
 * only), then the data clusters, numbered from 2.
 *
 * <p>A zero 16-bit FAT size marks the FAT32 layout, and then the volume is FAT32 whatever its
 * cluster count, as Linux and fsck.fat read it: mkfs.fat -F 32 makes FAT32 volumes with fewer
 * than the 65525 clusters the Microsoft specification asks for. Otherwise the cluster count
 * alone tells FAT12 from FAT16.
 */
final class BootSector {
    /** Bytes of the boot sector that are read, whatever the sector size. */
    static final int SIZE = 512;

    final FatType type;
    final int bytesPerSector;
    final int clusterSize;
    /** Data clusters; valid cluster numbers are 2 .. clusterCount + 1. */
    final long clusterCount;
    /** Byte offset of the FAT copy in use, from the start of the volume. */
    final long fatOffset;
    /** FAT12/16: byte offset and number of 32-byte entries of the fixed root directory. */
    final long rootDirOffset;
    final int rootDirEntries;
    /** FAT32: first cluster of the root directory (0 on FAT12/16). */
    final int rootCluster;
    /** Byte offset of cluster 2. */
    final long dataOffset;
    /** The label stored in the BPB, or "" when there is none. */
    final String label;

    private BootSector(FatType type, int bytesPerSector, int clusterSize, long clusterCount,
            long fatOffset, long rootDirOffset, int rootDirEntries, int rootCluster,
            long dataOffset, String label) {
        this.type = type;
        this.bytesPerSector = bytesPerSector;
        this.clusterSize = clusterSize;
        this.clusterCount = clusterCount;
        this.fatOffset = fatOffset;
        this.rootDirOffset = rootDirOffset;
        this.rootDirEntries = rootDirEntries;
        this.rootCluster = rootCluster;
        this.dataOffset = dataOffset;
        this.label = label;
    }

    /** Highest valid cluster number. */
    long maxCluster() {
        return clusterCount + 1;
    }

    /**
     * Checks the fields that tell a FAT boot sector from anything else.
     *
     * @return why {@code b} is not a FAT boot sector, or null if it looks like one
     */
    static String whyNotFat(byte[] b) {
        if (u8(b, 510) != 0x55 || u8(b, 511) != 0xAA)
            return String.format("bad boot signature 0x%02X%02X (expected 0x55AA)", u8(b, 510), u8(b, 511));
        int bytesPerSector = u16(b, 11);
        if (bytesPerSector < 512 || bytesPerSector > 4096 || Integer.bitCount(bytesPerSector) != 1)
            return "bytes per sector " + bytesPerSector + " is not a power of two in 512..4096";
        int sectorsPerCluster = u8(b, 13);
        if (Integer.bitCount(sectorsPerCluster) != 1)
            return "sectors per cluster " + sectorsPerCluster + " is not a power of two";
        if (u16(b, 14) == 0) return "zero reserved sectors";
        if (u8(b, 16) == 0) return "zero FATs";
        int media = u8(b, 21);
        if (media != 0xF0 && media < 0xF8) return String.format("invalid media descriptor 0x%02X", media);
        if (u16(b, 19) == 0 && u32(b, 32) == 0) return "zero total sectors";
        if (u16(b, 22) == 0 && u32(b, 36) == 0) return "zero FAT size";
        return null;
    }

    /**
     * Parses and checks the boot sector {@code b} (its first {@link #SIZE} bytes) of a volume
     * that has {@code deviceBytes} bytes available.
     *
     * @throws FsException "not a FAT filesystem: ..." if {@code b} is no FAT boot sector,
     *     "corrupt FAT filesystem: ..." if its fields contradict each other or the device size
     */
    static BootSector parse(byte[] b, long deviceBytes) throws FsException {
        String why = whyNotFat(b);
        if (why != null) throw Errors.notFat("%s", why);

        int bytesPerSector = u16(b, 11);
        int sectorsPerCluster = u8(b, 13);
        long reserved = u16(b, 14);
        long fats = u8(b, 16);
        int rootEntries = u16(b, 17);
        boolean fat32Layout = u16(b, 22) == 0;
        long fatSectors = fat32Layout ? u32(b, 36) : u16(b, 22);
        long totalSectors = u16(b, 19) != 0 ? u16(b, 19) : u32(b, 32);
        long rootDirSectors = (rootEntries * 32L + bytesPerSector - 1) / bytesPerSector;
        long metaSectors = reserved + fats * fatSectors + rootDirSectors;

        if (metaSectors >= totalSectors)
            throw Errors.corrupt("reserved sectors, FATs and root directory (%d sectors) leave no data region in a volume of %d sectors",
                    metaSectors, totalSectors);
        long clusters = (totalSectors - metaSectors) / sectorsPerCluster;
        if (clusters == 0)
            throw Errors.corrupt("data region of %d sectors holds no cluster of %d sectors",
                    totalSectors - metaSectors, sectorsPerCluster);
        FatType type = fat32Layout ? FatType.FAT32 : FatType.forClusterCount(clusters);
        if (!fat32Layout && clusters > FatType.MAX_FAT16_CLUSTERS)
            throw Errors.corrupt("cluster count %d is inconsistent with the FAT12/16 boot sector (FAT16 allows at most %d)",
                    clusters, FatType.MAX_FAT16_CLUSTERS);
        if (fat32Layout && clusters <= FatType.MAX_FAT16_CLUSTERS)
            Errors.LOG.info("FAT32 volume with only {} clusters (the specification asks for more than {}): read as FAT32",
                    clusters, FatType.MAX_FAT16_CLUSTERS);
        if (clusters > FatType.MAX_FAT32_CLUSTERS)
            throw Errors.corrupt("cluster count %d exceeds the FAT32 maximum %d", clusters, FatType.MAX_FAT32_CLUSTERS);
        if (fat32Layout && rootEntries != 0)
            throw Errors.corrupt("FAT32 boot sector declares a fixed root directory of %d entries", rootEntries);
        if (!fat32Layout && rootEntries == 0)
            throw Errors.corrupt("FAT12/16 boot sector declares no root directory entries");
        long fatEntries = fatSectors * bytesPerSector * 8 / type.bits;
        if (fatEntries < clusters + 2)
            throw Errors.corrupt("a FAT of %d sectors holds %d entries, too few for %d clusters",
                    fatSectors, fatEntries, clusters);

        long activeFat = 0;
        long rootCluster = 0;
        if (fat32Layout) {
            int version = u16(b, 42);
            if (version != 0)
                throw Errors.corrupt("unsupported FAT32 version %d.%d", version >> 8, version & 0xFF);
            int flags = u16(b, 40);
            if ((flags & 0x80) != 0) { // mirroring off: only one FAT is in use
                activeFat = flags & 0x0F;
                if (activeFat >= fats)
                    throw Errors.corrupt("active FAT %d does not exist (%d FATs)", activeFat, fats);
            }
            rootCluster = u32(b, 44);
            if (rootCluster < 2 || rootCluster > clusters + 1)
                throw Errors.corrupt("root directory cluster %d is outside the data region (2..%d)",
                        rootCluster, clusters + 1);
        }

        long clusterSize = (long) sectorsPerCluster * bytesPerSector;
        long rootDirOffset = (reserved + fats * fatSectors) * bytesPerSector;
        long dataOffset = metaSectors * bytesPerSector;
        if (dataOffset > deviceBytes)
            throw Errors.corrupt("FAT region ends at byte %d, past the end of the device (%d bytes)",
                    dataOffset, deviceBytes);
        long dataEnd = dataOffset + clusters * clusterSize;
        if (dataEnd > deviceBytes)
            throw Errors.corrupt("data region ends at byte %d, past the end of the device (%d bytes)",
                    dataEnd, deviceBytes);

        int signatureAt = fat32Layout ? 66 : 38;
        String label = u8(b, signatureAt) == 0x29 ? ShortName.label(b, signatureAt + 5) : "";
        if (label.equals("NO NAME")) label = "";

        return new BootSector(type, bytesPerSector, (int) clusterSize, clusters,
                (reserved + activeFat * fatSectors) * bytesPerSector,
                rootDirOffset, rootEntries, (int) rootCluster, dataOffset, label);
    }
}
