package fs.fat.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fs.vfs.FileSystem;
import fs.vfs.FsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The service's name, and volumes found through an MBR partition table. */
class MountTest {
    private static final int START_SECTOR = 2048;

    @Test
    void theTypeIsCalledVfat() {
        assertEquals("vfat", new FatFileSystemType().name());
    }

    @Test
    void mountsTheFirstFatPartitionOfAnMbrDisk() throws IOException {
        byte[] disk = partitionedDisk(0x0C);
        try (TestDisk d = TestDisk.of(disk)) {
            FatFileSystem fs = (FatFileSystem) new FatFileSystemType().mount(d, "");
            assertEquals(FatType.FAT12, fs.boot.type);
            assertEquals(SampleVolume.label(FatType.FAT12), fs.label());
            byte[] hello = FatVolumeTests.readAll(fs.root().lookup("hello.txt"));
            assertEquals("Hello, FAT!\n", new String(hello, StandardCharsets.UTF_8));
            assertEquals(SampleVolume.BIG_SIZE, FatVolumeTests.readAll(fs.root().lookup("BIG.BIN")).length);
        }
    }

    @Test
    void aDiskWhosePartitionsAreNotFatIsRefused() {
        byte[] disk = partitionedDisk(0x83);
        try (TestDisk d = TestDisk.of(disk)) {
            FsException e = assertThrows(FsException.class, () -> new FatFileSystemType().mount(d, ""));
            assertTrue(e.getMessage().startsWith("not a FAT filesystem: bytes per sector 0"), e.getMessage());
        }
    }

    @Test
    void fat32WithMirroringOffReadsOnlyTheActiveFat() throws IOException {
        RawImage img = new RawImage(FatType.FAT32);
        List<Long> chain = img.clusters("/big.bin");
        img.setFat(0, chain.get(3), 0); // FAT 0 is damaged...
        img.put16(40, 0x81); // ...but FAT 1 is the active one
        try (TestDisk d = img.disk()) {
            FileSystem fs = new FatFileSystemType().mount(d, "");
            assertArrayEquals(SampleVolume.bigContent(), FatVolumeTests.readAll(fs.root().lookup("big.bin")));
        }
        img.put16(40, 0x80); // FAT 0 active: the damage shows
        try (TestDisk d = img.disk()) {
            FileSystem fs = new FatFileSystemType().mount(d, "");
            FsException e = assertThrows(FsException.class, () -> FatVolumeTests.readAll(fs.root().lookup("big.bin")));
            assertTrue(e.getMessage().contains("reaches free cluster " + chain.get(3)), e.getMessage());
        }
    }

    /**
     * mkfs.fat -F 32 makes such volumes (with a warning); fsck.fat and Linux read them as FAT32,
     * mtools and Windows go by the cluster count and see a broken FAT16. We side with Linux.
     */
    @Test
    void aFat32VolumeWithFewClustersMountsAsLinuxReadsIt() throws IOException {
        Path image = Path.of("target", "test-images", "small-fat32.img");
        Files.deleteIfExists(image);
        FatTools.run("mkfs.fat", "-F", "32", "-n", "SMALL32", "-C", image.toString(), "20000");
        FatTools.run("fsck.fat", "-n", image.toString());
        try (TestDisk d = TestDisk.of(image)) {
            FatFileSystem fs = (FatFileSystem) new FatFileSystemType().mount(d, "");
            assertEquals(FatType.FAT32, fs.boot.type);
            assertTrue(fs.boot.clusterCount < 65525, "fewer clusters than the specification's FAT32 minimum");
            assertEquals("SMALL32", fs.label());
            assertEquals(List.of(), fs.root().list());
        }
    }

    /** The FAT12 sample image as the partition of type {@code type} at sector 2048 of a disk. */
    private static byte[] partitionedDisk(int type) {
        byte[] volume = new RawImage(FatType.FAT12).bytes;
        byte[] disk = new byte[START_SECTOR * 512 + volume.length];
        System.arraycopy(volume, 0, disk, START_SECTOR * 512, volume.length);
        int entry = 446;
        disk[entry] = (byte) 0x80;
        disk[entry + 4] = (byte) type;
        putU32(disk, entry + 8, START_SECTOR);
        putU32(disk, entry + 12, volume.length / 512);
        disk[510] = 0x55;
        disk[511] = (byte) 0xAA;
        return disk;
    }

    private static void putU32(byte[] b, int off, long v) {
        for (int i = 0; i < 4; i++) b[off + i] = (byte) (v >>> (8 * i));
    }
}
