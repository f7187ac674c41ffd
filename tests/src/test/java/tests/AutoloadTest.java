package tests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import fkx.loader.FkxLoader;
import fkx.loader.FkxModule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.inject.Inject;
import kernel.core.Kernel;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
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
 * Driver autoload on hot-plug (modprobe on a uevent): the minimal profile boots with one empty
 * PCI Express hot-plug slot, no disk and no driver; only the PCI bus is loaded by hand. A disk
 * inserted with the monitor's {@code device_add} gets its driver module (and what that depends
 * on) loaded from the module repository by the bus, through {@link FkxLoader#loadFor}, then
 * binds, mounts and reads back; removing it leaves the module loaded; a card that no module
 * matches stays unbound and the kernel keeps running. The test touches only the API packages of
 * the boot image (drivers and filesystems are not there when the probe resolves): everything
 * else is done through the kernel shell and the monitor. Run in name order on one booted kernel.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class AutoloadTest {
    static final String HELLO = "Hello from an autoloaded driver\n";
    static final List<String> DISK_MODULES = List.of("drivers.virtio.blk", "drivers.virtio", "kernel.block");

    @Inject
    private BundleContext context;

    @Inject
    private Kernel kernel;

    @Inject
    private FkxLoader loader;

    @Inject
    private CommandProcessor shell;

    private Shell session;

    @Configuration
    public Option[] config() throws Exception {
        Path card = Kestrel.fatImage("autoload-card.img", "AUTOLOAD", HELLO);
        int port = Kestrel.freePort();
        return Kestrel.boot("minimal", Kestrel.MINIMAL, Map.of("kestrel.hotplug.slots", "1",
                "kestrel.monitor", "tcp:" + port, "kestrel.test.card", card.toAbsolutePath().toString()));
    }

    @Before
    public void booted() throws InterruptedException {
        assertTrue("kernel did not finish booting", kernel.awaitBoot(Duration.ofSeconds(60)));
        session = new Shell(shell);
    }

    @After
    public void close() {
        session.close();
    }

    private String sh(String cmd) throws Exception {
        return session.sh(cmd);
    }

    private FkxModule.State state(String module) {
        return loader.module(module).orElseThrow().state();
    }

    private String card() {
        return context.getProperty("kestrel.test.card");
    }

    /** The lspci line of the function on bus 01 (the slot's), or null. */
    private String slotFunction() throws Exception {
        return sh("lspci").lines().filter(l -> l.startsWith("0000:01:")).findFirst().orElse(null);
    }

    @Test
    public void a_onlyTheBusIsLoaded() throws Exception {
        for (String m : List.of("drivers.pci", "drivers.virtio.blk", "drivers.virtio", "kernel.block", "fs.vfs", "fs.fat")) {
            assertEquals(m, FkxModule.State.AVAILABLE, state(m));
        }
        assertEquals(List.of("drivers.pci"), loader.load("drivers.pci"));
        assertEquals(FkxModule.State.LIVE, state("drivers.pci"));
        for (String m : DISK_MODULES) {
            assertEquals(m + " loaded with the bus alone", FkxModule.State.AVAILABLE, state(m));
        }
        assertEquals(null, slotFunction());
    }

    @Test
    public void b_loaderMatchesDeviceIds() throws Exception {
        assertEquals("no module matches", List.of(), loader.loadFor("pci:dead:beef"));
        try {
            loader.loadFor("pci:1af4");
            fail("a malformed device ID was accepted");
        } catch (fkx.loader.FkxException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("not a device ID"));
        }
        for (String m : DISK_MODULES) {
            assertEquals(m, FkxModule.State.AVAILABLE, state(m));
        }
    }

    @Test
    public void c_hotAddedDiskLoadsItsDriver() throws Exception {
        String reply = Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_add virtio-blk,file=" + card());
        assertEquals("slot 1: VirtioBlkDevice 1af4:1042 inserted", reply);
        Kestrel.await("drivers.virtio.blk is loaded", () -> state("drivers.virtio.blk") == FkxModule.State.LIVE);
        for (String m : DISK_MODULES) {
            assertEquals(m, FkxModule.State.LIVE, state(m));
            assertFalse(m + " is an rFKX", loader.module(m).orElseThrow().fused());
        }
        // the disk is registered inside the driver's probe, the binding recorded when probe returns
        Kestrel.await("vda appears and the card is bound", () -> sh("lsblk").contains("vda")
                && slotFunction() != null && slotFunction().endsWith("virtio-blk"));
        String line = slotFunction();
        assertTrue(line, line != null && line.contains("1af4:1042") && line.endsWith("virtio-blk"));
        String dmesg = sh("dmesg -c drivers.pci");
        assertTrue(dmesg, dmesg.contains("pci 0000:01:00.0: no driver bound; loaded drivers.virtio.blk"));
        assertTrue(dmesg, dmesg.contains("pci 0000:01:00.0: bound to virtio-blk"));
    }

    @Test
    public void d_theDiskMountsAndReadsBack() throws Exception {
        assertEquals(List.of("fs.vfs", "fs.fat"), loader.load("fs.fat"));
        sh("mount -t vfat /dev/vda /mnt");
        try {
            String ls = sh("ls /mnt");
            assertTrue(ls, ls.contains("hello.txt"));
            assertEquals(HELLO, sh("cat /mnt/hello.txt"));
        } finally {
            sh("umount /mnt");
        }
    }

    @Test
    public void e_removingTheDiskLeavesTheModuleLoaded() throws Exception {
        assertEquals("slot 1: card removed", Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_del 1"));
        Kestrel.await("vda goes", () -> !sh("lsblk").contains("vda") && slotFunction() == null);
        for (String m : DISK_MODULES) {
            assertEquals(m + " unloaded with its device", FkxModule.State.LIVE, state(m));
        }
    }

    @Test
    public void f_aCardNoModuleMatchesStaysUnbound() throws Exception {
        String reply = Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_add e1000");
        assertTrue(reply, reply.startsWith("slot 1: ") && reply.endsWith(" inserted"));
        Kestrel.await("the NIC is listed", () -> slotFunction() != null);
        Kestrel.await("the loader was asked", () -> sh("dmesg -c drivers.pci").contains("pci 0000:01:00.0: no driver bound; no module to load for pci:8086:"));
        String line = slotFunction();
        assertTrue(line, line.contains("8086:") && line.endsWith(" -"));
        String info = sh("kernel:info");
        assertTrue(info, info.contains("profile: minimal"));
        assertEquals("slot 1: card removed", Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_del 1"));
        Kestrel.await("the NIC goes", () -> slotFunction() == null);
    }

    @Test
    public void g_aDiskAddedWhileTheDriverIsLoadedBindsDirectly() throws Exception {
        assertEquals("slot 1: VirtioBlkDevice 1af4:1042 inserted", Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_add virtio-blk,file=" + card()));
        Kestrel.await("vda appears and the card is bound", () -> sh("lsblk").contains("vda")
                && slotFunction() != null && slotFunction().endsWith("virtio-blk"));
        assertEquals("slot 1: card removed", Kestrel.monitor(context.getProperty("kestrel.monitor"), "device_del 1"));
        Kestrel.await("vda goes", () -> !sh("lsblk").contains("vda"));
    }
}
