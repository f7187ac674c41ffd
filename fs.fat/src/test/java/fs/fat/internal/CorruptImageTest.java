package fs.fat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fs.vfs.DirEntry;
import fs.vfs.FileSystem;
import fs.vfs.FsException;
import fs.vfs.Inode;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Devices that hold no FAT filesystem, and real images damaged on purpose: each must fail with
 * a clear FsException, at mount time or at read time, and never loop or throw anything else.
 */
class CorruptImageTest {
    private static final String NOT_FAT = "not a FAT filesystem: ";
    private static final String CORRUPT = "corrupt FAT filesystem: ";

    @Test
    void zeroFilledDevice() {
        assertMountFails(TestDisk.of(new byte[1 << 20]), NOT_FAT + "bad boot signature 0x0000 (expected 0x55AA)");
    }

    @Test
    void randomDevice() {
        byte[] noise = new byte[1 << 20];
        new Random(1).nextBytes(noise);
        assertMountFails(TestDisk.of(noise), NOT_FAT + "bad boot signature");
        noise[510] = 0x55;
        noise[511] = (byte) 0xAA;
        assertMountFails(TestDisk.of(noise), NOT_FAT);
    }

    @Test
    void deviceSmallerThanABootSector() {
        assertMountFails(TestDisk.of(new byte[100]), NOT_FAT + "device of 100 bytes cannot hold a boot sector");
    }

    @Test
    void brokenBootSignature() {
        RawImage img = new RawImage(FatType.FAT12);
        img.put8(511, 0x00);
        assertMountFails(img.disk(), NOT_FAT + "bad boot signature 0x5500 (expected 0x55AA)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "11; 2; 1000; bytes per sector 1000 is not a power of two in 512..4096",
        "11; 2; 256;  bytes per sector 256 is not a power of two in 512..4096",
        "11; 2; 8192; bytes per sector 8192 is not a power of two in 512..4096",
        "13; 1; 3;    sectors per cluster 3 is not a power of two",
        "13; 1; 0;    sectors per cluster 0 is not a power of two",
        "14; 2; 0;    zero reserved sectors",
        "16; 1; 0;    zero FATs",
        "21; 1; 18;   invalid media descriptor 0x12",
    })
    void nonsenseBootSectorFields(int offset, int width, int value, String message) {
        for (FatType type : FatType.values()) {
            RawImage img = new RawImage(type);
            if (width == 1) img.put8(offset, value);
            else img.put16(offset, value);
            assertMountFails(img.disk(), NOT_FAT + message);
        }
    }

    @Test
    void clusterCountTooLargeForFat16() {
        RawImage img = new RawImage(FatType.FAT16);
        img.put16(19, 0);
        img.put32(32, 200_000);
        img.put8(13, 1);
        assertMountFails(img.disk(), CORRUPT + "cluster count 199900 is inconsistent with the FAT12/16 boot sector");
    }

    @Test
    void clusterCountTooLargeForTheFat() {
        RawImage img = new RawImage(FatType.FAT16);
        img.put8(13, 1); // four times the clusters, but the FAT keeps its size
        assertMountFails(img.disk(), CORRUPT + "a FAT of " + img.fatSectors() + " sectors holds");
    }

    @Test
    void fat32RootClusterOutsideTheDataRegion() {
        RawImage img = new RawImage(FatType.FAT32);
        img.put32(44, 1);
        assertMountFails(img.disk(), CORRUPT + "root directory cluster 1 is outside the data region");
    }

    @Test
    void fat32ActiveFatThatDoesNotExist() {
        RawImage img = new RawImage(FatType.FAT32);
        img.put16(40, 0x83); // mirroring off, FAT 3 active
        assertMountFails(img.disk(), CORRUPT + "active FAT 3 does not exist (2 FATs)");
    }

    @Test
    void volumeLargerThanTheDevice() {
        RawImage img = new RawImage(FatType.FAT16);
        assertMountFails(TestDisk.of(java.util.Arrays.copyOf(img.bytes, 1 << 20)),
                CORRUPT + "data region ends at byte 16777216, past the end of the device (1048576 bytes)");
        assertMountFails(TestDisk.of(java.util.Arrays.copyOf(img.bytes, 8192)),
                CORRUPT + "FAT region ends at byte " + (img.rootDirStart() + 512 * 32) + ", past the end of the device (8192 bytes)");
    }

    @ParameterizedTest
    @EnumSource(FatType.class)
    void circularChain(FatType type) throws IOException {
        RawImage img = new RawImage(type);
        List<Long> chain = img.clusters("/big.bin");
        img.setFat(chain.getLast(), chain.getFirst());
        assertReadFails(img, "/big.bin", CORRUPT + "cluster chain of '/big.bin' loops back to cluster");
    }

    @ParameterizedTest
    @EnumSource(FatType.class)
    void loopWithinTheFileSize(FatType type) throws IOException {
        RawImage img = new RawImage(type);
        List<Long> chain = img.clusters("/big.bin");
        img.setFat(chain.get(10), chain.get(5));
        assertReadFails(img, "/big.bin", CORRUPT + "cluster chain of '/big.bin' loops back to cluster");
    }

    @ParameterizedTest
    @EnumSource(FatType.class)
    void chainPointingBeyondTheDataRegion(FatType type) throws IOException {
        RawImage img = new RawImage(type);
        List<Long> chain = img.clusters("/big.bin");
        long beyond = type == FatType.FAT12 ? 0xF00 : type == FatType.FAT16 ? 0xF000 : 0x0F000000;
        img.setFat(chain.get(3), beyond);
        assertReadFails(img, "/big.bin", CORRUPT + "cluster chain of '/big.bin' links cluster " + chain.get(3)
                + " to " + beyond + ", outside the data region");
    }

    @ParameterizedTest
    @EnumSource(FatType.class)
    void freeClusterMidChain(FatType type) throws IOException {
        RawImage img = new RawImage(type);
        List<Long> chain = img.clusters("/big.bin");
        img.setFat(chain.get(3), 0);
        assertReadFails(img, "/big.bin", CORRUPT + "cluster chain of '/big.bin' reaches free cluster " + chain.get(3));
    }

    @ParameterizedTest
    @EnumSource(FatType.class)
    void badClusterMidChain(FatType type) throws IOException {
        RawImage img = new RawImage(type);
        List<Long> chain = img.clusters("/big.bin");
        img.setFat(chain.get(3), type.badCluster);
        assertReadFails(img, "/big.bin", CORRUPT + "cluster chain of '/big.bin' reaches bad cluster " + chain.get(3));
    }

    @ParameterizedTest
    @EnumSource(FatType.class)
    void chainShorterThanTheFile(FatType type) throws IOException {
        RawImage img = new RawImage(type);
        List<Long> chain = img.clusters("/big.bin");
        img.setFat(chain.get(3), img.endOfChain());
        assertReadFails(img, "/big.bin", CORRUPT + "cluster chain of '/big.bin' is shorter than its size: 4 clusters for "
                + SampleVolume.BIG_SIZE + " bytes");
    }

    @Test
    void firstClusterOutsideTheDataRegion() throws IOException {
        RawImage img = new RawImage(FatType.FAT16);
        img.put16(img.rootEntry("HELLO   TXT") + 26, 0xFFF0);
        assertReadFails(img, "/hello.txt", CORRUPT + "'/hello.txt' starts at cluster 65520, outside the data region");
    }

    @Test
    void directoryChainLoop() throws IOException {
        RawImage img = new RawImage(FatType.FAT32);
        List<Long> chain = img.clusters("/many");
        assertTrue(chain.size() > 6);
        img.setFat(chain.get(5), chain.get(1)); // before the cluster holding the end-of-directory mark
        try (TestDisk disk = img.disk()) {
            FileSystem fs = new FatFileSystemType().mount(disk, "");
            Inode many = fs.root().lookup("many");
            assertFails(many::list, CORRUPT + "cluster chain of '/many' loops back to cluster");
            assertFails(() -> many.lookup("nothing"), CORRUPT + "cluster chain of '/many' loops back to cluster");
        }
    }

    @Test
    void brokenLongNameFallsBackToTheShortName() throws IOException {
        RawImage img = new RawImage(FatType.FAT16);
        int shortEntry = img.rootEntry("MIXEDC~1TXT");
        img.put8(shortEntry - 32 + 13, img.bytes[shortEntry - 32 + 13] + 1); // checksum of the part before it
        try (TestDisk disk = img.disk()) {
            FileSystem fs = new FatFileSystemType().mount(disk, "");
            List<String> names = fs.root().list().stream().map(DirEntry::name).toList();
            assertTrue(names.contains("MIXEDC~1.TXT"), names::toString);
            assertFalse(names.contains(SampleVolume.MIXED_NAME), names::toString);
            assertTrue(names.contains(SampleVolume.UNICODE_NAME), "the next long name is intact");
            assertNull(fs.root().lookup(SampleVolume.MIXED_NAME));
            assertNotNull(fs.root().lookup("mixedc~1.txt"));
        }
    }

    @Test
    void corruptionIsCounted() throws IOException {
        long before = Errors.corruptionCount();
        chainShorterThanTheFile(FatType.FAT16);
        assertTrue(Errors.corruptionCount() > before);
    }

    private static void assertMountFails(TestDisk disk, String messageStart) {
        FsException e = assertThrows(FsException.class, () -> new FatFileSystemType().mount(disk, ""));
        assertTrue(e.getMessage().startsWith(messageStart), () -> "message: " + e.getMessage());
    }

    private static void assertReadFails(RawImage img, String path, String messageStart) throws IOException {
        try (TestDisk disk = img.disk()) {
            FileSystem fs = new FatFileSystemType().mount(disk, "");
            Inode file = fs.root().lookup(path.substring(1));
            assertNotNull(file, path);
            assertFails(() -> FatVolumeTests.readAll(file), messageStart);
            assertFails(() -> file.read(file.size() - 1, new byte[1], 0, 1), messageStart);
        }
    }

    private static void assertFails(Executable call, String messageStart) {
        FsException e = assertThrows(FsException.class, call);
        assertTrue(e.getMessage().startsWith(messageStart), () -> "message: " + e.getMessage());
    }
}
