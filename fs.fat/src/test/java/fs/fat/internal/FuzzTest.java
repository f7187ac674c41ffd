package fs.fat.internal;

import static org.junit.jupiter.api.Assertions.fail;

import fs.vfs.DirEntry;
import fs.vfs.FileSystem;
import fs.vfs.FsException;
import fs.vfs.Inode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Damages the metadata of real images at random (boot sector, FAT, directories) and walks the
 * whole tree: every run must end, and with nothing but success or an FsException.
 */
class FuzzTest {
    private static final int RUNS = 200;
    private static final int MAX_DEPTH = 6;
    private static final int MAX_ENTRIES = 3000;

    @ParameterizedTest
    @EnumSource(FatType.class)
    void damagedMetadataGivesOnlyFsExceptions(FatType type) throws Exception {
        RawImage img = new RawImage(type);
        long[][] ranges = metadataRanges(img);
        Random random = new Random(type.bits);
        byte[] buf = new byte[8192];
        for (int run = 0; run < RUNS; run++) {
            int flips = 1 + random.nextInt(8);
            int[] offsets = new int[flips];
            byte[] saved = new byte[flips];
            for (int i = 0; i < flips; i++) {
                long[] range = ranges[random.nextInt(ranges.length)];
                offsets[i] = (int) (range[0] + random.nextInt((int) (range[1] - range[0])));
                saved[i] = img.bytes[offsets[i]];
                img.bytes[offsets[i]] = (byte) random.nextInt(256);
            }
            try (TestDisk disk = img.disk()) {
                FileSystem fs = new FatFileSystemType().mount(disk, "");
                walk(fs.root(), 0, new int[1], buf);
            } catch (FsException expected) {
                // a clear error is what damage should give
            } catch (Exception | StackOverflowError e) {
                fail(type + " run " + run + ": " + e, e);
            }
            for (int i = flips - 1; i >= 0; i--) img.bytes[offsets[i]] = saved[i];
        }
    }

    /** Lists, looks up and reads everything below {@code dir}, within bounds. */
    private static void walk(Inode dir, int depth, int[] seen, byte[] buf) throws Exception {
        if (depth > MAX_DEPTH) return;
        for (DirEntry e : dir.list()) {
            if (++seen[0] > MAX_ENTRIES) return;
            Inode child = dir.lookup(e.name());
            if (child == null) continue; // a damaged name may match an earlier entry instead
            if (child.isDirectory()) {
                walk(child, depth + 1, seen, buf);
            } else {
                for (long pos = 0; child.read(pos, buf, 0, buf.length) > 0; pos += buf.length) {}
            }
        }
    }

    /** Byte ranges worth damaging: boot sector, the used part of the FAT, and directories. */
    private static long[][] metadataRanges(RawImage img) {
        List<long[]> ranges = new ArrayList<>();
        ranges.add(new long[] {0, 512});
        long fatBytes = img.type == FatType.FAT12 ? 2400 : img.type == FatType.FAT16 ? 1024 : 6000;
        ranges.add(new long[] {img.fatStart(), img.fatStart() + fatBytes});
        long clusterSize = (long) img.bytesPerSector() * (img.bytes[13] & 0xFF);
        long dataStart = img.rootDirStart() + img.u16(17) * 32L;
        List<String> dirs = new ArrayList<>(List.of("/docs", "/docs/a", "/many"));
        if (img.type == FatType.FAT32) dirs.add("/");
        else ranges.add(new long[] {img.rootDirStart(), dataStart});
        for (String dir : dirs) {
            for (long c : dir.equals("/") ? List.of(img.u32(44)) : img.clusters(dir)) {
                long start = dataStart + (c - 2) * clusterSize;
                ranges.add(new long[] {start, start + clusterSize});
            }
        }
        return ranges.toArray(long[][]::new);
    }
}
