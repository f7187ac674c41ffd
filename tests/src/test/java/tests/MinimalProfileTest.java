package tests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import fkx.loader.FkxLoader;
import fkx.loader.FkxModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The minimal profile booted in Felix with two disks: vda holds a FAT32 volume made by mkfs.fat,
 * vdb is all zeroes. No driver or filesystem is in the boot image; the tests bring them in with
 * the shell's {@code fkx:load}, which finds them in the distro's module repository and loads
 * their dependencies first. The tests drive the kernel shell as a user would and run in name
 * order on one booted kernel.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class MinimalProfileTest {
    static final String HELLO = "Hello from the minimal profile\n";

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
        Path work = Kestrel.work();
        Path fat = Kestrel.fatImage("minimal-fat32.img", "MINIMAL", HELLO);
        Path zero = work.resolve("minimal-zero.img");
        Files.write(zero, new byte[4 << 20]);
        return Kestrel.boot("minimal", Kestrel.MINIMAL, fat, zero);
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

    private boolean installed(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED) {
                return true;
            }
        }
        return false;
    }

    @Test
    public void a_noDriversOrFilesystemsAtBoot() throws Exception {
        for (String m : List.of("kernel.block", "drivers.pci", "drivers.virtio", "drivers.virtio.blk", "fs.vfs", "fs.fat")) {
            assertFalse(m + " is installed in the minimal profile", installed(m));
            assertEquals(m + " should be available from the repository",
                    FkxModule.State.AVAILABLE, loader.module(m).orElseThrow().state());
        }
        String list = sh("fkx:list");
        assertTrue(list, list.contains("drivers.virtio.blk"));
    }

    @Test
    public void b_loadingTheDiskDriverBringsItsDependencies() throws Exception {
        String printed = sh("fkx:load drivers.virtio.blk");
        assertEquals(List.of("drivers.pci", "drivers.virtio", "kernel.block", "drivers.virtio.blk"), loadOrder(printed));
        for (String m : List.of("drivers.pci", "drivers.virtio", "kernel.block", "drivers.virtio.blk")) {
            FkxModule module = loader.module(m).orElseThrow();
            assertEquals(m, FkxModule.State.LIVE, module.state());
            assertFalse(m + " was loaded, not fused", module.fused());
        }
        String lspci = sh("lspci");
        assertTrue(lspci, lspci.contains("1af4:1042"));
        assertTrue(lspci, lspci.contains("virtio-blk"));
        String lsblk = sh("lsblk");
        assertTrue(lsblk, lsblk.contains("vda"));
        assertTrue(lsblk, lsblk.contains("vdb"));
    }

    /** The module names in the order {@code fkx:load} reports loading them. */
    private static List<String> loadOrder(String printed) {
        String line = printed.lines().filter(l -> l.startsWith("loaded ")).findFirst()
                .orElseThrow(() -> new AssertionError("fkx:load printed: " + printed));
        return List.of(line.substring("loaded ".length()).trim().split(",\\s*"));
    }

    @Test
    public void c_loadingFatBringsTheVfs() throws Exception {
        String printed = sh("fkx:load fs.fat");
        assertEquals(List.of("fs.vfs", "fs.fat"), loadOrder(printed));
        assertEquals(FkxModule.State.LIVE, loader.module("fs.fat").orElseThrow().state());
    }

    @Test
    public void d_mountListAndRead() throws Exception {
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
    public void e_zeroedDiskFailsToMountAndTheKernelKeepsRunning() throws Exception {
        try {
            sh("mount -t vfat /dev/vdb /mnt");
            throw new AssertionError("mounted a zeroed disk");
        } catch (Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("not a FAT filesystem"));
        }
        String info = sh("kernel:info");
        assertTrue(info, info.contains("profile: minimal"));
        sh("mount -t vfat /dev/vda /mnt");
        assertEquals(HELLO, sh("cat /mnt/hello.txt"));
        sh("umount /mnt");
    }

    @Test
    public void f_unloadInReverseLeavesTheMinimalSetAgain() throws Exception {
        for (String m : List.of("fs.fat", "fs.vfs", "drivers.virtio.blk", "drivers.virtio", "drivers.pci", "kernel.block")) {
            sh("fkx:unload " + m);
            assertEquals(m, FkxModule.State.AVAILABLE, loader.module(m).orElseThrow().state());
            assertFalse(m + " still installed", installed(m));
        }
    }
}
