package platform.devices;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import platform.pc.Machine;

class MachinesTest {
    @TempDir
    Path tmp;

    @Test
    void parseSizes() {
        assertEquals(512L << 20, MachineConfig.parseSize("512M"));
        assertEquals(2L << 30, MachineConfig.parseSize("2G"));
        assertEquals(2L << 30, MachineConfig.parseSize("2g"));
        assertEquals(1L << 30, MachineConfig.parseSize("1GiB"));
        assertEquals(64L << 10, MachineConfig.parseSize("64KB"));
        assertEquals(4096, MachineConfig.parseSize("4096"));
        assertEquals(1L << 40, MachineConfig.parseSize("1T"));
        for (String bad : new String[] {"", "M", "12Q", "-1M", "1.5G", "99999999999T"}) {
            assertThrows(IllegalArgumentException.class, () -> MachineConfig.parseSize(bad), bad);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> MachineConfig.defaults().withMemory("lots"));
        assertTrue(e.getMessage().startsWith("memory"));
    }

    @Test
    void parseDisks() {
        assertEquals(new MachineConfig.Disk(Path.of("/a/b.img"), true), MachineConfig.parseDisk("/a/b.img,ro"));
        assertEquals(new MachineConfig.Disk(Path.of("/a/b.img"), false), MachineConfig.parseDisk("/a/b.img"));
        assertEquals(new MachineConfig.Disk(Path.of("x.img"), false), MachineConfig.parseDisk("x.img,rw"));
    }

    @Test
    void badConfigNamesTheOption() throws IOException {
        MachineConfig ok = MachineConfig.defaults().withMemory("32M");
        assertMessage("memory", () -> Machines.build(ok.withMemory(1L << 20)));
        assertMessage("memory", () -> Machines.build(ok.withMemory((32L << 20) + 512)));
        assertMessage("cpus", () -> Machines.build(ok.withCpus(0)));
        assertMessage("disk[0]", () -> Machines.build(ok.withDisk(tmp.resolve("missing.img"), false)));
        Path img = Files.write(tmp.resolve("d.img"), new byte[4096]);
        assertMessage("disk[1]", () -> Machines.build(ok.withDisk(img, false).withDisk(tmp, false)));
    }

    private static void assertMessage(String option, Runnable r) {
        var e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(option), e.getMessage());
    }

    @Test
    void disksGoToConsecutiveSlotsWithAssignedBars() throws IOException {
        Path a = Files.write(tmp.resolve("a.img"), new byte[8192]);
        Path b = Files.write(tmp.resolve("b.img"), new byte[4096]);
        try (Machine m = Machines.build(MachineConfig.defaults().withMemory("64M").withCpus(2)
                .withDisk(a, false).withDisk(b, true).withCommandLine("root=/dev/vda"))) {
            assertTrue(m.poweredOn());
            assertEquals("root=/dev/vda", m.bootInfo().commandLine());
            assertEquals(2, m.bootInfo().cpuCount());
            for (int i = 0; i < 2; i++) {
                long cfg = Machine.ecam(0, Machines.FIRST_DISK_SLOT + i, 0);
                assertEquals(0x1042_1AF4L, m.bus().read(cfg, 4));
                assertNotEquals(0, m.bus().read(cfg + 0x20, 4) & ~0xFL, "BAR4 assigned");
                assertNotEquals(0, m.bus().read(cfg + 0x14, 4) & ~0xFL, "BAR1 assigned");
            }
            VirtioBlkDevice d1 = (VirtioBlkDevice) m.pci().function(0, Machines.FIRST_DISK_SLOT + 1, 0);
            assertTrue(d1.backend().readOnly());
            assertEquals(8, d1.capacity());
            assertEquals(0xFFFF, m.bus().read(Machine.ecam(0, Machines.FIRST_DISK_SLOT + 2, 0), 2));
        }
    }

    @Test
    void rawBackendBoundsAndReadOnly() throws IOException {
        Path p = Files.write(tmp.resolve("r.img"), new byte[1024]);
        try (RawFileBackend rw = RawFileBackend.open(p, false)) {
            byte[] b = {1, 2, 3};
            rw.write(1021, b, 0, 3);
            assertThrows(IOException.class, () -> rw.write(1022, b, 0, 3));
            byte[] r = new byte[3];
            rw.read(1021, r, 0, 3);
            assertArrayEquals(b, r);
            rw.flush();
        }
        try (RawFileBackend ro = RawFileBackend.open(p, true)) {
            assertTrue(ro.readOnly());
            assertThrows(IOException.class, () -> ro.write(0, new byte[1], 0, 1));
        }
    }
}
