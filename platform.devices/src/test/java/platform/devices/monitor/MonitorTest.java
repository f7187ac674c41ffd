package platform.devices.monitor;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import platform.devices.MachineConfig;
import platform.devices.Machines;
import platform.pc.Machine;
import platform.pc.pci.PciRootPort;

/**
 * The machine monitor against a machine with two hot-plug slots. No kernel runs here: where
 * the kernel's part matters (powering a slot off after the attention button), the test plays
 * it through the root port's Slot Control register.
 */
class MonitorTest {
    @TempDir
    Path tmp;
    Machine machine;
    Monitor monitor;
    Path disk;

    @BeforeEach
    void boot() throws Exception {
        machine = Machines.build(MachineConfig.defaults().withMemory(32L << 20).withHotplugSlots(2));
        monitor = new Monitor(machine, 300);
        disk = tmp.resolve("disk.img");
        Files.write(disk, new byte[1 << 20]);
    }

    @AfterEach
    void powerOff() {
        machine.close();
    }

    private PciRootPort slot(int n) {
        return machine.hotplugSlots().get(n - 1);
    }

    /** The kernel's part of an orderly removal: power the slot off (Slot Control PCC = 1). */
    private void kernelPowersOff(PciRootPort p) {
        int ctl = (int) p.configRead(PciRootPort.PCIE_CAP + PciRootPort.SLTCTL, 2);
        p.configWrite(PciRootPort.PCIE_CAP + PciRootPort.SLTCTL, 2, ctl | 1 << 10);
    }

    @Test
    void infoListsSlotsAndFunctions() {
        assertEquals("slot 1 (00:1e.0): empty\nslot 2 (00:1f.0): empty", monitor.execute("info slots"));
        String pci = monitor.execute("info pci");
        assertTrue(pci.startsWith("00:00.0 8086:29c0 class 060000"), pci);
        assertTrue(pci.contains("00:1e.0 1b36:000c class 060400 PciRootPort"), pci);
        assertTrue(monitor.execute("help").contains("device_add"));
    }

    @Test
    void deviceAddPutsACardInTheFirstFreeSlotOrTheOneNamed() {
        assertEquals("slot 1: NvmeController 1b36:0010 inserted", monitor.execute("device_add nvme,file=" + disk));
        assertEquals("slot 2: E1000Device 8086:100e inserted", monitor.execute("device_add e1000,net=mon,slot=2"));
        assertEquals("error: every hot-plug slot is occupied", monitor.execute("device_add virtio-net"));
        String slots = monitor.execute("info slots");
        assertTrue(slots.contains("slot 1 (00:1e.0): NvmeController 1b36:0010"), slots);
        assertTrue(slots.contains("slot 2 (00:1f.0): E1000Device 8086:100e"), slots);
        String pci = monitor.execute("info pci");
        assertTrue(pci.contains("  01:00.0 1b36:0010 class 010802 NvmeController"), pci);
    }

    @Test
    void badCommandsAndOptionsGiveErrorsAndChangeNothing() {
        assertEquals("error: unknown command 'frobnicate' (try help)", monitor.execute("frobnicate"));
        assertEquals("error: device_add: unknown model 'floppy' (virtio-blk, nvme, ahci, virtio-net, e1000)",
                monitor.execute("device_add floppy"));
        assertEquals("error: device_add: nvme needs file=PATH", monitor.execute("device_add nvme"));
        assertTrue(monitor.execute("device_add virtio-blk,file=" + tmp.resolve("missing.img"))
                .startsWith("error: device_add: no such file"));
        assertTrue(monitor.execute("device_add ahci,file=" + disk + ",bogus").startsWith("error: disk: unknown option 'bogus'"));
        assertEquals("error: no hot-plug slot 7 (info slots lists them)", monitor.execute("device_add nvme,file=" + disk + ",slot=7"));
        assertEquals("error: not a slot number: 'x'", monitor.execute("device_del x"));
        assertEquals("error: slot 1 is empty", monitor.execute("device_del 1"));
        assertEquals("error: slot 2 is empty", monitor.execute("device_pull 2"));
        assertEquals("slot 1 (00:1e.0): empty\nslot 2 (00:1f.0): empty", monitor.execute("info slots"));
    }

    @Test
    void deviceDelWaitsForTheKernelToPowerTheSlotOff() throws Exception {
        monitor.execute("device_add virtio-blk,file=" + disk);
        PciRootPort p = slot(1);
        kernelPowersOn(p);
        assertTrue(p.linkActive());
        Thread kernel = Thread.ofPlatform().start(() -> {
            while (!p.removalPending()) {
                Thread.onSpinWait();
            }
            kernelPowersOff(p);
        });
        assertEquals("slot 1: card removed", monitor.execute("device_del 1"));
        kernel.join(2000);
        assertNull(p.card());
    }

    @Test
    void deviceDelWithoutTheKernelsCooperationTimesOutAndDevicePullForces() {
        monitor.execute("device_add virtio-blk,file=" + disk);
        kernelPowersOn(slot(1));
        assertEquals("error: slot 1: the kernel did not power the slot off within 300 ms; the card stays"
                + " (device_pull removes it by force)", monitor.execute("device_del 1"));
        assertNotNull(slot(1).card());
        assertEquals("slot 1: card pulled", monitor.execute("device_pull 1"));
        assertNull(slot(1).card());
    }

    /** The kernel powering an occupied slot on (the firmware leaves empty slots off). */
    private void kernelPowersOn(PciRootPort p) {
        int ctl = (int) p.configRead(PciRootPort.PCIE_CAP + PciRootPort.SLTCTL, 2);
        p.configWrite(PciRootPort.PCIE_CAP + PciRootPort.SLTCTL, 2, ctl & ~(1 << 10));
    }

    @Test
    void serverSpeaksOverTcp() throws Exception {
        try (MonitorServer server = MonitorServer.listen(monitor, 0);
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            assertEquals("Kestrel machine monitor (help lists the commands)", in.readLine());
            out.write("info slots\nquit\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertEquals("(kestrel) slot 1 (00:1e.0): empty", in.readLine());
            assertEquals("slot 2 (00:1f.0): empty", in.readLine());
            assertEquals("(kestrel) ", readRest(in));
        }
        assertThrows(IllegalArgumentException.class, () -> MonitorServer.parsePort("udp:4"));
        assertThrows(IllegalArgumentException.class, () -> MonitorServer.parsePort("tcp:99999"));
        assertEquals(4444, MonitorServer.parsePort("tcp:4444"));
    }

    private static String readRest(BufferedReader in) throws Exception {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
        }
        return sb.toString();
    }
}
