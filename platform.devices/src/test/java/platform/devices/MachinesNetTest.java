package platform.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import platform.pc.Machine;

/** {@code --nic} and {@code --netdev} build real NICs on named networks, and bad options are refused by name. */
class MachinesNetTest {
    @TempDir
    Path tmp;

    private static long id(Machine m, int slot) {
        return m.bus().read(Machine.ecam(0, slot, 0), 4);
    }

    @Test
    void nicsTakeSlotsFromTheTopAndJoinTheirNetwork() {
        Path pcap = tmp.resolve("nic1.pcap");
        MachineConfig c = MachineConfig.defaults().withMemory("32M")
                .withNic("virtio,net=machinesnettest").withNic("e1000,net=machinesnettest,pcap=" + pcap)
                .withNetdev("udp,local=127.0.0.1:0,remote=127.0.0.1:9,net=machinesnettest");
        try (Machine m = Machines.build(c)) {
            assertEquals(0x1041_1af4L, id(m, Machines.LAST_NIC_SLOT), "virtio-net in slot 31");
            assertEquals(0x100E_8086L, id(m, Machines.LAST_NIC_SLOT - 1), "e1000 in slot 30");
            assertEquals(3, Machines.NETWORKS.get("machinesnettest").ports().size(), "two NICs and the UDP backend");
            assertTrue(Files.exists(pcap), "the pcap file is written from power-on");
        }
    }

    @Test
    void badNetworkOptionsAreRefusedByName() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Machines.build(MachineConfig.defaults().withMemory("32M").withNic("virtio,bogus=1")));
        assertTrue(e.getMessage().startsWith("nic"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Machines.build(MachineConfig.defaults().withMemory("32M").withNic("rtl8139")));
        assertTrue(e.getMessage().startsWith("nic"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Machines.build(MachineConfig.defaults().withMemory("32M").withNetdev("udp,local=127.0.0.1:1")));
        assertTrue(e.getMessage().startsWith("netdev"), e.getMessage());
    }
}
