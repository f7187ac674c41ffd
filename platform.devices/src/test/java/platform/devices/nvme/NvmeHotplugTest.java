package platform.devices.nvme;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import platform.devices.RawFileBackend;
import platform.pc.Machine;
import platform.pc.PhysicalBus;
import platform.pc.pci.PciFunction;
import platform.pc.pci.PciRootPort;

/**
 * An NVMe controller hot-added into a PCIe root port's slot: the OS powers the slot, sizes
 * BAR0 and places it inside the port's memory window, enables memory space and reads the
 * controller's registers through the bus; an orderly removal (attention button, slot power
 * off) closes the controller.
 */
class NvmeHotplugTest {
    @TempDir
    Path tmp;

    @Test
    void hotAddedNvmeWorksBehindTheRootPortAndIsRemovedOrderly() throws Exception {
        Path image = tmp.resolve("hot.img");
        Files.write(image, new byte[1 << 20]);
        try (Machine m = Machine.builder().memory(32L << 20).hotplugSlots(1).build().powerOn()) {
            PhysicalBus bus = m.bus();
            PciRootPort port = m.hotplugSlots().get(0);
            int bus1 = port.secondaryBus();
            long portCfg = Machine.ecam(0, port.device(), 0);
            long cardCfg = Machine.ecam(bus1, 0, 0);
            NvmeController ctrl = new NvmeController(RawFileBackend.open(image, false), "KESTREL-HOT0");
            port.insert(ctrl);
            assertEquals(0xFFFF_FFFFL, bus.read(cardCfg, 4), "slot not powered yet");
            int sltctl = PciRootPort.PCIE_CAP + PciRootPort.SLTCTL;
            bus.write(portCfg + sltctl, 2, bus.read(portCfg + sltctl, 2) & ~PciRootPort.SLTCTL_PCC);
            assertTrue(port.linkActive());
            assertEquals((long) NvmeController.DEVICE << 16 | NvmeController.VENDOR, bus.read(cardCfg, 4));
            // BAR0 is a 64-bit memory BAR: size it, then place it at the start of the port's window
            bus.write(cardCfg + PciFunction.BAR0, 4, 0xFFFF_FFFFL);
            long mask = bus.read(cardCfg + PciFunction.BAR0, 4) & ~0xFL;
            long size = -(mask | 0xFFFF_FFFF_0000_0000L);
            assertTrue(size >= NvmeController.BAR0_SIZE);
            long at = port.memoryBase();
            assertTrue(at + size - 1 <= port.memoryLimit());
            bus.write(cardCfg + PciFunction.BAR0, 4, at);
            bus.write(cardCfg + PciFunction.BAR0 + 4, 4, 0);
            bus.write(cardCfg + PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_BUS_MASTER);
            assertEquals(NvmeController.VERSION, bus.read(at + NvmeController.REG_VS, 4));
            // orderly removal: attention button, then the OS powers the slot off
            var removed = port.pressAttentionButton();
            bus.write(portCfg + sltctl, 2, bus.read(portCfg + sltctl, 2) | PciRootPort.SLTCTL_PCC);
            assertSame(ctrl, removed.get(5, TimeUnit.SECONDS));
            assertEquals(0xFFFF_FFFFL, bus.read(at + NvmeController.REG_VS, 4));
            assertEquals(0xFFFF_FFFFL, bus.read(cardCfg, 4));
            assertNull(port.card());
        }
    }
}
