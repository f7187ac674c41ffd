package fs.fat.internal;

import fs.vfs.FsException;
import java.io.IOException;
import java.util.Arrays;
import kernel.block.BlockHandle;

/**
 * The File Allocation Table: entry n names the cluster that follows cluster n in its chain, or
 * holds 0 (free), the bad-cluster mark, or an end-of-chain mark (any value above the bad mark).
 * FAT12 packs two 12-bit entries in three bytes, FAT16 uses 16 bits, FAT32 the low 28 bits of
 * 32. Entries are read through a small direct-mapped cache of FAT sectors, allocated once.
 *
 * <p>Not thread-safe: callers hold the filesystem's lock.
 */
final class FatTable {
    /** What {@link #next} returns at the end of a chain. */
    static final int END = -1;

    private static final int CACHE_SLOTS = 16;

    private final BlockHandle device;
    private final long start;
    private final FatType type;
    private final long maxCluster;
    private final int sectorSize;
    private final long[] slotSector = new long[CACHE_SLOTS];
    private final byte[][] slotData;

    /** The FAT of {@code boot} on a volume that starts at byte {@code volumeStart} of {@code device}. */
    FatTable(BlockHandle device, long volumeStart, BootSector boot) {
        this.device = device;
        this.start = volumeStart + boot.fatOffset;
        this.type = boot.type;
        this.maxCluster = boot.maxCluster();
        this.sectorSize = boot.bytesPerSector;
        this.slotData = new byte[CACHE_SLOTS][sectorSize];
        Arrays.fill(slotSector, -1);
    }

    /** Whether {@code cluster} numbers a cluster of the data region. */
    boolean isDataCluster(long cluster) {
        return cluster >= 2 && cluster <= maxCluster;
    }

    /**
     * The cluster after {@code cluster}, a data cluster, in the chain of {@code owner} (a path,
     * for messages).
     *
     * @return the next cluster, or {@link #END}
     * @throws FsException "corrupt FAT filesystem" if {@code cluster} is marked free, reserved
     *     or bad, or links outside the data region
     */
    int next(int cluster, String owner) throws IOException {
        int value = entry(cluster);
        if (value > type.badCluster) return END;
        if (isDataCluster(value)) return value;
        if (value == 0)
            throw Errors.corrupt("cluster chain of '%s' reaches free cluster %d", owner, cluster);
        if (value == type.badCluster)
            throw Errors.corrupt("cluster chain of '%s' reaches bad cluster %d", owner, cluster);
        throw Errors.corrupt("cluster chain of '%s' links cluster %d to %d, outside the data region (2..%d)",
                owner, cluster, value, maxCluster);
    }

    /** The raw entry of data cluster {@code cluster}. */
    private int entry(int cluster) throws IOException {
        switch (type) {
            case FAT12: {
                long off = cluster + (cluster >>> 1);
                int pair = byteAt(off) | byteAt(off + 1) << 8;
                return (cluster & 1) != 0 ? pair >>> 4 : pair & 0xFFF;
            }
            case FAT16: {
                long off = cluster * 2L;
                return byteAt(off) | byteAt(off + 1) << 8;
            }
            default: {
                long off = cluster * 4L;
                byte[] sector = sector(off / sectorSize);
                return (int) LittleEndian.u32(sector, (int) (off % sectorSize)) & 0x0FFFFFFF;
            }
        }
    }

    private int byteAt(long off) throws IOException {
        return sector(off / sectorSize)[(int) (off % sectorSize)] & 0xFF;
    }

    /** FAT sector {@code index}, from the cache or read into it. */
    private byte[] sector(long index) throws IOException {
        int slot = (int) (index % CACHE_SLOTS);
        if (slotSector[slot] != index) {
            slotSector[slot] = -1;
            device.read(start + index * sectorSize, slotData[slot], 0, sectorSize);
            slotSector[slot] = index;
        }
        return slotData[slot];
    }
}
