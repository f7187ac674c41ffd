package drivers.virtio.blk.internal;

import static org.junit.jupiter.api.Assertions.*;

import drivers.pci.PciId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The FKX-Devices manifest header (what the loader matches hot-plugged devices with) must equal the ID table. */
class FkxHeaderTest {
    @Test
    void fkxDevicesMatchesIdTable() throws Exception {
        String header = Files.readAllLines(Path.of("bnd.bnd")).stream()
                .filter(l -> l.startsWith("FKX-Devices:"))
                .findFirst().orElseThrow(() -> new AssertionError("bnd.bnd has no FKX-Devices header"))
                .substring("FKX-Devices:".length());
        Set<PciId> declared = Arrays.stream(header.split(",")).map(String::trim).map(PciId::parse).collect(Collectors.toSet());
        assertEquals(Set.copyOf(VirtioBlkDriver.IDS), declared);
        assertEquals("pci:1af4:1042", VirtioBlkDriver.IDS.get(0).toString());
    }

    @Test
    void diskNamesFollowLinux() {
        assertEquals("vda", VirtioBlkDriver.diskName(0));
        assertEquals("vdz", VirtioBlkDriver.diskName(25));
        assertEquals("vdaa", VirtioBlkDriver.diskName(26));
        assertEquals("vdab", VirtioBlkDriver.diskName(27));
        assertEquals("vdzz", VirtioBlkDriver.diskName(701));
        assertEquals("vdaaa", VirtioBlkDriver.diskName(702));
    }
}
