package fs.fat.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A copy of a sample image in memory, for tests that damage it on purpose. It reads the few
 * BPB fields it needs itself, and asks mshowfat which clusters a file uses, so that the
 * damage does not depend on the code under test.
 */
final class RawImage {
    final FatType type;
    final Path source;
    final byte[] bytes;

    RawImage(FatType type) {
        this.type = type;
        this.source = SampleVolume.image(type);
        try {
            this.bytes = Files.readAllBytes(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    TestDisk disk() {
        return TestDisk.of(bytes);
    }

    int u16(int off) {
        return (bytes[off] & 0xFF) | (bytes[off + 1] & 0xFF) << 8;
    }

    long u32(int off) {
        return u16(off) | (long) u16(off + 2) << 16;
    }

    void put8(long off, int v) {
        bytes[(int) off] = (byte) v;
    }

    void put16(long off, int v) {
        put8(off, v);
        put8(off + 1, v >>> 8);
    }

    void put32(long off, long v) {
        put16(off, (int) v);
        put16(off + 2, (int) (v >>> 16));
    }

    int bytesPerSector() {
        return u16(11);
    }

    long reservedSectors() {
        return u16(14);
    }

    long fatSectors() {
        return u16(22) != 0 ? u16(22) : u32(36);
    }

    long fatStart() {
        return reservedSectors() * bytesPerSector();
    }

    /** Byte offset of the FAT12/16 fixed root directory. */
    long rootDirStart() {
        return (reservedSectors() + bytes[16] * fatSectors()) * bytesPerSector();
    }

    /** Sets FAT entry {@code cluster} to {@code value} in every FAT copy. */
    void setFat(long cluster, long value) {
        for (int copy = 0; copy < bytes[16]; copy++) setFat(copy, cluster, value);
    }

    /** Sets FAT entry {@code cluster} to {@code value} in FAT copy {@code copy}. */
    void setFat(int copy, long cluster, long value) {
        long fat = fatStart() + copy * fatSectors() * bytesPerSector();
        switch (type) {
            case FAT12 -> {
                long off = fat + cluster + cluster / 2;
                int pair = (bytes[(int) off] & 0xFF) | (bytes[(int) off + 1] & 0xFF) << 8;
                pair = (cluster & 1) != 0 ? (pair & 0x000F) | (int) value << 4 : (pair & 0xF000) | (int) value;
                put16(off, pair);
            }
            case FAT16 -> put16(fat + cluster * 2, (int) value);
            case FAT32 -> put32(fat + cluster * 4, value);
        }
    }

    /** The end-of-chain mark of this FAT type. */
    long endOfChain() {
        return type.badCluster + 8L;
    }

    /** The clusters of {@code path}, in chain order, as mshowfat reports them. */
    List<Long> clusters(String path) {
        String out = FatTools.run("mshowfat", "-i", source.toString(), "::" + path);
        List<Long> clusters = new ArrayList<>();
        Matcher m = Pattern.compile("<(\\d+)(?:-(\\d+))?>").matcher(out);
        while (m.find()) {
            long first = Long.parseLong(m.group(1));
            long last = m.group(2) == null ? first : Long.parseLong(m.group(2));
            for (long c = first; c <= last; c++) clusters.add(c);
        }
        if (clusters.isEmpty()) fail("mshowfat found no clusters for " + path + ": " + out);
        return clusters;
    }

    /** Byte offset of the root directory entry whose 11-byte short name is {@code name83}. */
    int rootEntry(String name83) {
        byte[] want = name83.getBytes(StandardCharsets.US_ASCII);
        int start = (int) rootDirStart();
        for (int off = start; off < start + u16(17) * 32; off += 32) {
            boolean match = true;
            for (int i = 0; i < 11 && match; i++) match = bytes[off + i] == want[i];
            if (match) return off;
        }
        return fail("no root entry " + name83);
    }
}
