package platform.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot disks: the guest sees its writes, the image file never changes, nothing is left behind. */
class SnapshotBackendTest {
    @TempDir
    Path tmp;

    private Path image(int size) throws IOException {
        byte[] b = new byte[size];
        new Random(7).nextBytes(b);
        Path p = tmp.resolve("base.img");
        Files.write(p, b);
        return p;
    }

    @Test
    void writesAreVisibleButTheImageNeverChanges() throws IOException {
        Path img = image(64 * 1024 + 512); // not a whole number of overlay blocks
        byte[] original = Files.readAllBytes(img);
        byte[] expect = original.clone();
        Random r = new Random(11);
        try (SnapshotBackend s = SnapshotBackend.open(img)) {
            assertFalse(s.readOnly());
            assertEquals(original.length, s.size());
            for (int k = 0; k < 200; k++) { // random writes of every alignment, across blocks
                int off = r.nextInt(original.length);
                int len = Math.min(1 + r.nextInt(9000), original.length - off);
                byte[] data = new byte[len];
                r.nextBytes(data);
                s.write(off, data, 0, len);
                System.arraycopy(data, 0, expect, off, len);
            }
            byte[] all = new byte[original.length];
            s.read(0, all, 0, all.length);
            assertArrayEquals(expect, all, "the guest reads back what it wrote, and the base elsewhere");
            byte[] tail = new byte[300];
            s.read(original.length - 300, tail, 0, 300);
            assertArrayEquals(java.util.Arrays.copyOfRange(expect, original.length - 300, original.length), tail);
            s.flush();
            assertArrayEquals(original, Files.readAllBytes(img), "the image is untouched while running");
        }
        assertArrayEquals(original, Files.readAllBytes(img), "and after close");
        try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith("kestrel-snapshot-")
                    && f.toFile().lastModified() > System.currentTimeMillis() - 60_000), "no overlay file left behind");
        }
    }

    @Test
    void accessesBeyondTheEndAndAfterCloseFail() throws IOException {
        SnapshotBackend s = SnapshotBackend.open(image(8192));
        byte[] b = new byte[16];
        assertThrows(IOException.class, () -> s.read(8190, b, 0, 16));
        assertThrows(IOException.class, () -> s.write(-1, b, 0, 16));
        s.close();
        assertThrows(IOException.class, () -> s.read(0, b, 0, 16));
        s.close(); // idempotent
    }

    @Test
    void nvmeDisksAreNvmeControllers() throws IOException {
        Path img = image(1 << 20);
        MachineConfig c = MachineConfig.defaults().withMemory("32M")
                .withDisk(MachineConfig.parseDisk(img + ",if=nvme,snapshot")).withDisk(img, true)
                .withDisk(MachineConfig.parseDisk(img + ",if=ahci,readonly"));
        try (platform.pc.Machine m = Machines.build(c)) {
            long ecam = platform.pc.Machine.ECAM_BASE;
            long nvme = ecam + ((long) Machines.FIRST_DISK_SLOT << 15);
            long blk = ecam + ((long) (Machines.FIRST_DISK_SLOT + 1) << 15);
            assertEquals(0x0010_1b36L, m.bus().read(nvme, 4), "vendor 1b36, device 0010");
            assertEquals(0x010802, m.bus().read(nvme + 8, 4) >>> 8, "class: mass storage, NVM, NVMe");
            assertEquals(0x1042_1af4L, m.bus().read(blk, 4), "the second disk is virtio-blk");
            long ahci = ecam + ((long) (Machines.FIRST_DISK_SLOT + 2) << 15);
            assertEquals(0x2922_8086L, m.bus().read(ahci, 4), "the third is on an ICH9 AHCI controller");
            assertEquals(0x010601, m.bus().read(ahci + 8, 4) >>> 8, "class: mass storage, SATA, AHCI 1.0");
        }
    }

    @Test
    void diskOptions() {
        assertEquals(new MachineConfig.Disk(Path.of("a.img"), false, true, "virtio"), MachineConfig.parseDisk("a.img,snapshot"));
        assertEquals(new MachineConfig.Disk(Path.of("a.img"), true, false, "virtio"), MachineConfig.parseDisk("a.img,if=virtio,readonly"));
        assertEquals("disk: unknown option 'bogus' in 'a.img,bogus'",
                assertThrows(IllegalArgumentException.class, () -> MachineConfig.parseDisk("a.img,bogus")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> MachineConfig.parseDisk("a.img,if=scsi"));
        assertEquals("nvme", MachineConfig.parseDisk("a.img,if=nvme").iface());
        assertEquals("ahci", MachineConfig.parseDisk("a.img,if=ahci").iface());
        assertThrows(IllegalArgumentException.class, () -> MachineConfig.parseDisk("a.img,ro,snapshot"));
        assertThrows(IllegalArgumentException.class, () -> MachineConfig.parseDisk(",ro"));
    }
}
