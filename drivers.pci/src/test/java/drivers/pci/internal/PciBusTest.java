package drivers.pci.internal;

import static org.junit.jupiter.api.Assertions.*;

import drivers.pci.Pci;
import drivers.pci.PciAddress;
import drivers.pci.PciBar;
import drivers.pci.PciBus;
import drivers.pci.PciDevice;
import drivers.pci.PciDriver;
import drivers.pci.PciId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import kernel.core.hal.IrqVector;
import kernel.core.hal.MachineHal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import platform.devices.MachineConfig;
import platform.devices.Machines;
import platform.pc.Machine;
import platform.pc.pci.PciFunction;

/**
 * The PCI bus against a real emulated machine with two virtio-blk disks: enumeration through
 * ACPI MCFG, BAR sizing, capabilities, MSI-X, and driver binding.
 */
class PciBusTest {
    @TempDir
    Path tmp;
    Machine machine;
    MachineHal hal;

    @BeforeEach
    void boot() throws Exception {
        Path a = tmp.resolve("a.img");
        Path b = tmp.resolve("b.img");
        Files.write(a, new byte[1 << 20]);
        Files.write(b, new byte[1 << 20]);
        machine = Machines.build(MachineConfig.defaults().withMemory(64L << 20).withDisk(a, false).withDisk(b, true));
        hal = new MachineHal(machine);
        hal.start();
    }

    @AfterEach
    void powerOff() {
        hal.stop();
        machine.close();
    }

    private static PciDevice at(PciBus bus, int dev) {
        return bus.device(new PciAddress(0, 0, dev, 0)).orElseThrow();
    }

    @Test
    void enumeratesThroughMcfg() {
        assertEquals(List.of(new kernel.core.hal.Acpi.EcamRegion(0, Machine.ECAM_BASE, 0, 255)), hal.acpi().ecam());
        PciBus bus = PciBus.enumerate(hal);
        List<PciDevice> devs = bus.devices();
        assertEquals(3, devs.size(), devs.toString());
        PciDevice host = devs.get(0);
        assertEquals("0000:00:00.0", host.address().toString());
        assertEquals(0x8086, host.vendorId());
        assertEquals(0x060000, host.classCode());
        for (int slot : new int[] {4, 5}) {
            PciDevice d = at(bus, slot);
            assertEquals(0x1AF4, d.vendorId());
            assertEquals(0x1042, d.deviceId());
            assertEquals(0x010000, d.classCode());
            assertEquals(1, d.revision());
            assertEquals(0x1AF4, d.subsystemVendorId());
            assertEquals(0x1100, d.subsystemId());
            assertEquals(0, d.headerType());
            assertNull(d.driver());
        }
        assertEquals(2, bus.find(PciId.of(0x1AF4, 0x1042)).size());
    }

    @Test
    void sizesBarsAndLeavesThemIntact() {
        PciBus bus = PciBus.enumerate(hal);
        PciDevice d = at(bus, 4);
        PciFunction model = machine.pci().function(0, 4, 0);
        PciBar msix = d.bar(1);
        assertEquals(PciBar.Kind.MEM32, msix.kind());
        assertEquals(0x1000, msix.size());
        assertEquals(model.barAddress(1), msix.address());
        PciBar regs = d.bar(4);
        assertEquals(PciBar.Kind.MEM64, regs.kind());
        assertTrue(regs.is64() && regs.prefetchable());
        assertEquals(0x4000, regs.size());
        assertEquals(model.barAddress(4), regs.address());
        assertNull(d.bar(5), "upper half of a 64-bit BAR is not a BAR");
        assertNull(d.bar(0));
        assertEquals(2, d.bars().size());
        assertEquals(0, model.command() & (Pci.COMMAND_MEMORY | Pci.COMMAND_BUS_MASTER), "sizing restores COMMAND");
    }

    @Test
    void walksCapabilities() {
        PciDevice d = at(PciBus.enumerate(hal), 4);
        assertEquals(machine.pci().function(0, 4, 0).msixCapabilityOffset(), d.findCapability(Pci.CAP_MSIX));
        assertEquals(5, d.capabilities(Pci.CAP_VENDOR).size(), "virtio: common, isr, device, notify, pci_cfg");
        assertEquals(0, d.findCapability(Pci.CAP_MSI));
        assertEquals(2, d.msixTableSize());
    }

    @Test
    void commandBits() {
        PciDevice d = at(PciBus.enumerate(hal), 4);
        PciFunction model = machine.pci().function(0, 4, 0);
        d.enableMemory();
        d.enableBusMaster();
        assertTrue(model.busMasterEnabled());
        assertEquals(Pci.COMMAND_MEMORY, model.command() & Pci.COMMAND_MEMORY);
        assertNotNull(d.mapBar(4));
        assertSame(d.mapBar(4), d.mapBar(4));
        assertThrows(IllegalArgumentException.class, () -> d.mapBar(0));
        d.disable();
        assertEquals(0, model.command() & (Pci.COMMAND_MEMORY | Pci.COMMAND_BUS_MASTER));
    }

    @Test
    void msixDeliversInterruptsAndTearsDown() throws Exception {
        PciDevice d = at(PciBus.enumerate(hal), 4);
        PciFunction model = machine.pci().function(0, 4, 0);
        CountDownLatch got = new CountDownLatch(2);
        List<IrqVector> v = d.enableMsix("test", List.of(vec -> got.countDown(), vec -> got.countDown()));
        assertEquals(2, v.size());
        assertTrue(d.msixEnabled());
        assertTrue(model.msix().enabled());
        assertEquals(2, hal.interrupts().lines().size());
        d.enableBusMaster();
        assertTrue(model.msix().signal(0));
        assertTrue(model.msix().signal(1));
        assertTrue(got.await(5, TimeUnit.SECONDS), "both MSI-X messages arrive");
        assertEquals(1, v.get(0).count());
        assertEquals(1, v.get(1).count());
        assertThrows(IllegalStateException.class, () -> d.enableMsix("again", List.of(vec -> { })));

        d.disableMsix();
        assertFalse(d.msixEnabled());
        assertFalse(model.msix().enabled());
        assertTrue(hal.interrupts().lines().isEmpty(), "vectors freed");
        d.disableMsix(); // idempotent
    }

    @Test
    void maskedMessagesArePendingInThePba() throws Exception {
        PciDevice d = at(PciBus.enumerate(hal), 4);
        PciFunction model = machine.pci().function(0, 4, 0);
        CountDownLatch got = new CountDownLatch(1);
        List<IrqVector> v = d.enableMsix(hal.interrupts(), "pba", List.of(vec -> got.countDown()));
        d.enableBusMaster();
        int ctl = d.findCapability(Pci.CAP_MSIX) + Pci.MSIX_CONTROL;
        d.configWrite16(ctl, d.configRead16(ctl) | Pci.MSIX_CONTROL_FUNCTION_MASK);
        model.msix().signal(0);
        assertTrue(d.msixPending(0));
        assertFalse(d.msixPending(1));
        d.configWrite16(ctl, d.configRead16(ctl) & ~Pci.MSIX_CONTROL_FUNCTION_MASK);
        assertTrue(got.await(5, TimeUnit.SECONDS), "delivered once unmasked");
        assertFalse(d.msixPending(0));
        assertEquals(1, v.get(0).count());
        d.disableMsix();
    }

    @Test
    void tooManyVectorsIsRefused() {
        PciDevice d = at(PciBus.enumerate(hal), 4);
        assertThrows(IllegalStateException.class, () -> d.enableMsix("x", List.of(v -> { }, v -> { }, v -> { })));
        assertTrue(hal.interrupts().lines().isEmpty());
    }

    /** A driver that records its calls; optionally fails or leaves MSI-X on. */
    static final class FakeDriver implements PciDriver {
        final List<String> calls = new ArrayList<>();
        boolean fail;
        boolean sloppy;

        @Override public String name() { return "fake"; }
        @Override public List<PciId> ids() { return List.of(PciId.of(0x1AF4, 0x1042)); }

        @Override
        public void probe(PciDevice dev) throws Exception {
            calls.add("probe " + dev.address());
            if (sloppy) {
                dev.enableBusMaster();
                dev.enableMsix("sloppy", List.of(v -> { }));
            }
            if (fail) {
                throw new java.io.IOException("no such luck");
            }
        }

        @Override
        public void remove(PciDevice dev) {
            calls.add("remove " + dev.address());
        }
    }

    @Test
    void bindsAndUnbindsDrivers() {
        PciBusImpl bus = new PciBusImpl(hal);
        FakeDriver drv = new FakeDriver();
        bus.addDriver(drv); // before start: probed once the bus is enumerated
        assertTrue(drv.calls.isEmpty());
        bus.start();
        assertEquals(List.of("probe 0000:00:04.0", "probe 0000:00:05.0"), drv.calls);
        assertEquals("fake", at(bus, 4).driver());
        assertEquals("0000:00:04.0 0100: 1af4:1042 (rev 01) fake", PciBusImpl.lspciLine(at(bus, 4)));
        assertEquals("0000:00:00.0 0600: 8086:29c0 (rev 00) -", PciBusImpl.lspciLine(at(bus, 0)));

        bus.removeDriver(drv);
        assertEquals(List.of("probe 0000:00:04.0", "probe 0000:00:05.0", "remove 0000:00:04.0", "remove 0000:00:05.0"), drv.calls);
        assertNull(at(bus, 4).driver());

        FakeDriver other = new FakeDriver();
        bus.addDriver(other);
        assertEquals(2, other.calls.size());
        bus.stop();
        assertEquals(4, other.calls.size());
    }

    @Test
    void failedProbeLeavesDeviceUnboundAndQuiet() {
        PciBusImpl bus = PciBusImpl.scan(hal);
        FakeDriver drv = new FakeDriver();
        drv.fail = true;
        drv.sloppy = true;
        bus.addDriver(drv);
        assertEquals(2, drv.calls.size());
        assertNull(at(bus, 4).driver());
        assertFalse(at(bus, 4).msixEnabled(), "the bus turned off what the failed probe left on");
        assertFalse(machine.pci().function(0, 4, 0).busMasterEnabled());
        assertTrue(hal.interrupts().lines().isEmpty());
        bus.removeDriver(drv);
        assertEquals(2, drv.calls.size(), "no remove for devices that never bound");
    }

    @Test
    void lspciCommandListsEveryFunction() {
        PciBusImpl bus = PciBusImpl.scan(hal);
        String out = new LspciCommand(bus).lspci();
        assertEquals(3, out.lines().count(), out);
        assertTrue(out.contains("0000:00:05.0 0100: 1af4:1042 (rev 01) -"), out);
        assertEquals("0000:00:04.0 0100: 1af4:1042 (rev 01) -", new LspciCommand(bus).lspci("00:04.0"));
    }
}
