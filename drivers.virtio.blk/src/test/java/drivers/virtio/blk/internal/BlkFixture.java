package drivers.virtio.blk.internal;

import static org.junit.jupiter.api.Assertions.*;

import drivers.pci.PciBus;
import drivers.pci.PciDevice;
import drivers.pci.PciId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kernel.block.BlockDevice;
import kernel.core.hal.MachineHal;
import kernel.mm.DmaAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import platform.devices.MachineConfig;
import platform.devices.Machines;
import platform.pc.Machine;

/**
 * Test fixture: the virtio-blk driver against an emulated machine: disk 0 is a 4 MiB read-write image,
 * disk 1 a 1 MiB read-only one, both filled with a known pattern; everything the driver does
 * goes through PCI config space, BAR MMIO, rings in RAM and MSI-X.
 */
abstract class BlkFixture {
    static final int RW_BYTES = 4 << 20;
    static final int RO_BYTES = 1 << 20;

    @TempDir
    Path tmp;
    Path rwImage;
    Path roImage;
    Machine machine;
    MachineHal hal;
    DmaAllocator dma;
    List<PciDevice> devices;
    ListRegistrar registrar;
    VirtioBlkDriver driver;
    boolean startHal = true;

    /** Publishes disks into a list instead of the service registry. */
    static final class ListRegistrar implements DiskRegistrar {
        final List<BlockDevice> disks = new ArrayList<>();

        @Override
        public synchronized Registration register(BlockDevice disk) {
            disks.add(disk);
            return () -> {
                synchronized (this) {
                    disks.remove(disk);
                }
            };
        }

        synchronized List<String> names() {
            return disks.stream().map(BlockDevice::name).toList();
        }
    }

    static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seed + i / 512 * 13 + i * 7);
        }
        return b;
    }

    @BeforeEach
    void boot() throws Exception {
        rwImage = tmp.resolve("rw.img");
        roImage = tmp.resolve("ro.img");
        Files.write(rwImage, pattern(RW_BYTES, 1));
        Files.write(roImage, pattern(RO_BYTES, 2));
        machine = Machines.build(MachineConfig.defaults().withMemory(64L << 20).withCpus(2)
                .withDisk(rwImage, false).withDisk(roImage, true));
        hal = new MachineHal(machine);
        if (startHal) {
            hal.start();
        }
        dma = DmaAllocator.forMachine(hal, "test");
        devices = PciBus.enumerate(hal).find(PciId.of(0x1AF4, 0x1042));
        assertEquals(2, devices.size());
        registrar = new ListRegistrar();
        driver = new VirtioBlkDriver(dma, hal.interrupts(), registrar);
    }

    @AfterEach
    void powerOff() {
        driver.removeAll();
        hal.stop();
        machine.close();
    }

    VirtioBlkDisk probe(int i) throws Exception {
        driver.probe(devices.get(i));
        return driver.disk(devices.get(i));
    }

}
