package fs.fat.internal;

/**
 * The three FAT variants. FAT12 and FAT16 differ by the count of data clusters alone, never by
 * the type string in the boot sector; FAT32 has its own boot sector layout (see
 * {@link BootSector}).
 */
enum FatType {
    FAT12(12, 0xFF7),
    FAT16(16, 0xFFF7),
    FAT32(32, 0x0FFFFFF7);

    /** Most clusters a FAT12 volume may have; FAT16 is up to {@link #MAX_FAT16_CLUSTERS}. */
    static final long MAX_FAT12_CLUSTERS = 4084;
    static final long MAX_FAT16_CLUSTERS = 65524;
    /** Cluster numbers of FAT32 must stay below the bad-cluster mark 0x0FFFFFF7. */
    static final long MAX_FAT32_CLUSTERS = 0x0FFFFFF5L;

    /** Bits per FAT entry (FAT32 uses the low 28 of its 32). */
    final int bits;
    /** The entry value that marks a bad cluster; every value above it ends a chain. */
    final int badCluster;

    FatType(int bits, int badCluster) {
        this.bits = bits;
        this.badCluster = badCluster;
    }

    /** The variant a volume with {@code clusters} data clusters has. */
    static FatType forClusterCount(long clusters) {
        if (clusters <= MAX_FAT12_CLUSTERS) return FAT12;
        if (clusters <= MAX_FAT16_CLUSTERS) return FAT16;
        return FAT32;
    }
}
