package tests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import drivers.pci.PciBus;
import drivers.pci.PciSlot;
import fs.vfs.Vfs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.inject.Inject;
import kernel.block.BlockDevices;
import kernel.core.Kernel;
import org.junit.Before;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * PCI Express hot-plug in the booted default profile: the machine has two empty hot-plug slots
 * and serves its monitor on a TCP port. The tests add and remove disks with the monitor's
 * {@code device_add}, {@code device_del} and {@code device_pull}, as a user at the host would;
 * the kernel learns of each card from its slot's interrupt, binds virtio-blk, and the disk
 * mounts and reads back. Run in name order on one booted kernel.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class HotplugTest {
    static final String HELLO = "Hello from a hot-plugged disk\n";

    @Inject
    private BundleContext context;

    @Inject
    private Kernel kernel;

    @Inject
    private PciBus pci;

    @Inject
    private BlockDevices disks;

    @Inject
    private Vfs vfs;

    @Configuration
    public Option[] config() throws Exception {
        Path work = Kestrel.work();
        Path boot = work.resolve("hotplug-boot.img");
        Files.write(boot, new byte[1 << 20]);
        Path card = Kestrel.fatImage("hotplug-card.img", "HOTPLUG", HELLO);
        int port = Kestrel.freePort();
        return Kestrel.boot("default", Kestrel.DEFAULT, Map.of("kestrel.hotplug.slots", "2",
                "kestrel.monitor", "tcp:" + port, "kestrel.test.card", card.toAbsolutePath().toString()), boot);
    }

    @Before
    public void booted() throws InterruptedException {
        assertTrue("kernel did not finish booting", kernel.awaitBoot(Duration.ofSeconds(60)));
    }

    private String card() {
        return context.getProperty("kestrel.test.card");
    }

    private boolean onBus(int bus) {
        return pci.devices().stream().anyMatch(d -> d.address().bus() == bus);
    }

    @Test
    public void a_emptySlotsAreDriven() throws Exception {
        List<PciSlot> slots = pci.slots();
        assertEquals(slots.toString(), 2, slots.size());
        for (PciSlot s : slots) {
            assertTrue(s.toString(), s.driven());
            assertFalse(s.toString(), s.present() || s.inUse());
        }
        String info = Kestrel.monitor(context.getProperty("kestrel.monitor"), "info slots");
        assertTrue(info, info.startsWith("slot 1 (00:1e.0): empty"));
    }

    @Test
    public void b_deviceAddBindsTheDriverAndTheDiskMounts() throws Exception {
        assertFalse(disks.find("vdb").isPresent());
        assertEquals("slot 1: VirtioBlkDevice 1af4:1042 inserted", Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_add virtio-blk,file=" + card()));
        // the disk is registered inside the driver's probe, the binding recorded when probe returns
        Kestrel.await("vdb appears and the card is bound", () -> disks.find("vdb").isPresent()
                && "virtio-blk".equals(pci.devices().stream().filter(d -> d.address().bus() == 1).findFirst()
                        .map(d -> d.driver()).orElse(null)));
        assertTrue(pci.slots().get(0).inUse());
        vfs.mount("vfat", "/dev/vdb", "/mnt", "");
        try {
            assertEquals(HELLO, new String(vfs.readAll("/mnt/hello.txt"), StandardCharsets.UTF_8));
        } finally {
            vfs.umount("/mnt");
        }
    }

    @Test
    public void c_deviceDelUnbindsPowersOffAndTheCardLeaves() throws Exception {
        assertEquals("slot 1: card removed", Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_del 1"));
        assertFalse(disks.find("vdb").isPresent());
        assertFalse(onBus(1));
        PciSlot s = pci.slots().get(0);
        assertFalse(s.toString(), s.present() || s.powered() || s.inUse());
        assertTrue(Kestrel.monitor(context.getProperty("kestrel.monitor"), "info slots").startsWith("slot 1 (00:1e.0): empty"));
    }

    @Test
    public void d_devicePullIsASurpriseTheKernelSurvives() throws Exception {
        assertEquals("slot 2: VirtioBlkDevice 1af4:1042 inserted", Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_add virtio-blk,file=" + card() + ",readonly,slot=2"));
        Kestrel.await("vdb appears", () -> disks.find("vdb").isPresent());
        assertTrue(disks.find("vdb").orElseThrow().readOnly());
        assertEquals("slot 2: card pulled", Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_pull 2"));
        Kestrel.await("vdb goes", () -> disks.find("vdb").isEmpty() && !onBus(2));
        assertTrue("the boot disk still works", disks.find("vda").isPresent());
        assertEquals("slot 2: VirtioBlkDevice 1af4:1042 inserted", Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_add virtio-blk,file=" + card() + ",slot=2"));
        Kestrel.await("the slot works again", () -> disks.find("vdb").isPresent());
    }

    @Test
    public void e_badMonitorCommandsChangeNothing() throws Exception {
        assertTrue(Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_add virtio-blk,file=/no/such.img").startsWith("error: device_add: no such file"));
        assertEquals("error: slot 2 is occupied", Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_add nvme,file=" + card() + ",slot=2"));
        assertEquals("error: slot 1 is empty", Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_del 1"));
        assertEquals(1, pci.slots().stream().filter(PciSlot::inUse).count());
    }
}
