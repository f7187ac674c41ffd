package fs.fat.internal;

import static fs.fat.internal.LittleEndian.u32;
import static fs.fat.internal.LittleEndian.u8;

/**
 * The MBR partition table, so that a whole disk whose first FAT partition holds the volume
 * mounts as well as a bare volume. Sector 0 ends with 0x55AA and holds four 16-byte entries
 * from byte 446: byte 0 status (0x00, or 0x80 when bootable), byte 4 type, bytes 8..11 first
 * sector, bytes 12..15 sector count.
 */
final class MbrPartitions {
    /** A partition as a byte range of the disk. */
    record Extent(long start, long length) {}

    private static final int TABLE = 446;
    private static final int ENTRY = 16;
    /** FAT12, FAT16 (small and large), FAT32 (CHS and LBA), FAT16 LBA, EFI system partition. */
    private static final int[] FAT_TYPES = {0x01, 0x04, 0x06, 0x0B, 0x0C, 0x0E, 0xEF};

    private MbrPartitions() {}

    /**
     * The first FAT partition listed in {@code sector0}, clipped to the disk.
     *
     * @return the partition, or null if {@code sector0} is no MBR or lists no usable FAT partition
     */
    static Extent firstFat(byte[] sector0, int sectorSize, long diskBytes) {
        if (u8(sector0, 510) != 0x55 || u8(sector0, 511) != 0xAA) return null;
        for (int i = 0; i < 4; i++) {
            int status = u8(sector0, TABLE + i * ENTRY);
            if (status != 0x00 && status != 0x80) return null; // not a partition table
        }
        for (int i = 0; i < 4; i++) {
            int entry = TABLE + i * ENTRY;
            if (!isFatType(u8(sector0, entry + 4))) continue;
            long start = u32(sector0, entry + 8) * sectorSize;
            long length = Math.min(u32(sector0, entry + 12) * sectorSize, diskBytes - start);
            if (start > 0 && length >= BootSector.SIZE) return new Extent(start, length);
        }
        return null;
    }

    private static boolean isFatType(int type) {
        for (int t : FAT_TYPES)
            if (t == type) return true;
        return false;
    }
}
