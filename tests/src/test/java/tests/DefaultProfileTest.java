package tests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import drivers.pci.PciBus;
import fkx.loader.FkxException;
import fkx.loader.FkxLoader;
import fkx.loader.FkxModule;
import fs.vfs.Vfs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.inject.Inject;
import kernel.block.BlockDevices;
import kernel.core.Kernel;
import kernel.core.hal.Hal;
import kernel.log.Dmesg;
import kernel.log.Level;
import kernel.mm.DmaAllocator;
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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * The default profile booted in Felix with one FAT32 disk made by mkfs.fat and mcopy: the
 * kernel comes up, the fused modules start, the disk is found through PCI and virtio, the
 * volume mounts and reads back, and the driver can be unloaded and loaded again only when
 * nothing uses it. The tests run in name order on one booted kernel.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class DefaultProfileTest {
    static final String HELLO = "Hello from a FAT32 volume made by mkfs.fat\n";

    @Inject
    private BundleContext context;

    @Inject
    private Kernel kernel;

    @Inject
    private FkxLoader loader;

    @Inject
    private Vfs vfs;

    @Configuration
    public Option[] config() throws Exception {
        Path work = Kestrel.work();
        Path img = work.resolve("default-fat32.img");
        Files.deleteIfExists(img);
        Path hello = work.resolve("hello.txt");
        Files.writeString(hello, HELLO);
        Path big = work.resolve("big.bin");
        Files.write(big, pattern(300_000));
        Kestrel.run("mkfs.fat", "-C", "-F", "32", "-s", "1", "-n", "KESTREL", img.toString(), "40960");
        Kestrel.run("mcopy", "-i", img.toString(), hello.toString(), "::hello.txt");
        Kestrel.run("mmd", "-i", img.toString(), "::sub");
        Kestrel.run("mcopy", "-i", img.toString(), big.toString(), "::sub/A big file with a long name.bin");
        return Kestrel.boot("default", Kestrel.DEFAULT, img);
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        new Random(42).nextBytes(b);
        return b;
    }

    @Before
    public void booted() throws InterruptedException {
        assertTrue("kernel did not finish booting", kernel.awaitBoot(Duration.ofSeconds(60)));
    }

    @Test
    public void a_coreServicesAreRegistered() {
        for (Class<?> c : List.of(Kernel.class, Hal.class, FkxLoader.class, DmaAllocator.class, BlockDevices.class, Vfs.class, PciBus.class)) {
            assertTrue(c.getName() + " is not registered", context.getServiceReference(c) != null);
        }
        for (FkxModule m : loader.modules()) {
            if (m.state() != FkxModule.State.AVAILABLE) {
                assertEquals(m.name() + " is not live", FkxModule.State.LIVE, m.state());
                assertTrue(m.name() + " should be fused", m.fused());
            }
        }
        assertTrue(loader.module("drivers.virtio.blk").isPresent());
    }

    @Test
    public void b_loggingGoesToTheKernelLog() {
        org.slf4j.LoggerFactory.getLogger("tests").info("probe says hello");
        assertEquals("kernel.log.KernelLogProvider", providerOf(org.slf4j.LoggerFactory.getILoggerFactory()));
        assertTrue(Dmesg.get().entries(Level.INFO, "tests").stream()
                .anyMatch(e -> e.message().equals("probe says hello")));
    }

    private static String providerOf(Object factory) {
        Class<?> c = factory.getClass();
        return c.getEnclosingClass() != null ? c.getEnclosingClass().getName() : c.getName().replaceAll("\\$.*", "");
    }

    @Test
    public void c_fatVolumeMountsAndReads() throws Exception {
        assertTrue(context.getService(context.getServiceReference(BlockDevices.class)).find("vda").isPresent());
        vfs.mount("vfat", "/dev/vda", "/mnt", "");
        try {
            assertEquals(HELLO, new String(vfs.readAll("/mnt/hello.txt"), StandardCharsets.UTF_8));
            assertArrayEquals(pattern(300_000), vfs.readAll("/mnt/sub/A big file with a long name.bin"));
            assertTrue(vfs.lookup("/mnt/SUB").isDirectory());
            assertEquals("KESTREL", vfs.mounts().get(0).label());
        } finally {
            vfs.umount("/mnt");
        }
    }

    @Test
    public void d_unloadIsRefusedWhileMounted() throws Exception {
        vfs.mount("vfat", "/dev/vda", "/mnt", "");
        try {
            loader.unload("drivers.virtio.blk");
            fail("unload succeeded while /mnt was mounted");
        } catch (FkxException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("in use"));
            assertTrue(e.getMessage(), e.getMessage().contains("/mnt"));
        }
        try {
            loader.unload("fs.fat");
            fail("unload of fs.fat succeeded while mounted");
        } catch (FkxException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("in use"));
        }
        assertEquals(FkxModule.State.LIVE, loader.module("drivers.virtio.blk").get().state());
        assertEquals(HELLO, new String(vfs.readAll("/mnt/hello.txt"), StandardCharsets.UTF_8));
        vfs.umount("/mnt");
    }

    @Test
    public void e_unloadAfterUmountLeavesNothing() throws Exception {
        long bundleId = loader.module("drivers.virtio.blk").get().bundleId();
        loader.unload("drivers.virtio.blk");
        assertFalse("/dev/vda still exists", vfs.lookup("/dev").list().stream().anyMatch(e -> e.name().equals("vda")));
        assertEquals(FkxModule.State.AVAILABLE, loader.module("drivers.virtio.blk").get().state());
        Bundle b = context.getBundle(bundleId);
        assertTrue("bundle still installed", b == null || b.getState() == Bundle.UNINSTALLED);
        for (ServiceReference<?> r : allServices()) {
            assertFalse("service left behind: " + r, "drivers.virtio.blk".equals(r.getBundle().getSymbolicName()));
        }
        Hal hal = context.getService(context.getServiceReference(Hal.class));
        assertTrue("interrupt handler left behind: " + hal.interrupts().lines(),
                hal.interrupts().lines().stream().noneMatch(l -> l.name().contains("vda")));
    }

    private List<ServiceReference<?>> allServices() throws Exception {
        ServiceReference<?>[] refs = context.getAllServiceReferences(null, null);
        return refs == null ? List.of() : Arrays.asList(refs);
    }

    @Test
    public void f_loadAgainBindsAndReadsBack() throws Exception {
        List<String> loaded = loader.load("drivers.virtio.blk");
        assertEquals(List.of("drivers.virtio.blk"), loaded);
        assertEquals(FkxModule.State.LIVE, loader.module("drivers.virtio.blk").get().state());
        assertFalse(loader.module("drivers.virtio.blk").get().fused());
        PciBus bus = context.getService(context.getServiceReference(PciBus.class));
        assertTrue(bus.devices().stream().anyMatch(d -> d.vendorId() == 0x1af4 && d.deviceId() == 0x1042 && "virtio-blk".equals(d.driver())));
        vfs.mount("vfat", "vda", "/mnt", "");
        try {
            assertEquals(HELLO, new String(vfs.readAll("/mnt/hello.txt"), StandardCharsets.UTF_8));
        } finally {
            vfs.umount("/mnt");
        }
    }

    @Test
    public void g_corruptImageFailsCleanly() throws Exception {
        // the whole disk is FAT, but the raw device read through /dev is fine; a bogus type is refused
        try {
            vfs.mount("ext9", "/dev/vda", "/mnt", "");
            fail("mounted an unknown filesystem type");
        } catch (java.io.IOException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("unknown filesystem type"));
        }
        assertTrue(vfs.mounts().isEmpty());
        assertTrue(context.getService(context.getServiceReference(BlockDevices.class)).find("vda").get().holders().isEmpty());
    }
}
