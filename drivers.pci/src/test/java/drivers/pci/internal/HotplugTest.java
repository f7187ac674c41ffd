package drivers.pci.internal;

import static org.junit.jupiter.api.Assertions.*;

import drivers.pci.Pci;
import drivers.pci.PciAddress;
import drivers.pci.PciBar;
import drivers.pci.PciDevice;
import drivers.pci.PciDriver;
import drivers.pci.PciId;
import drivers.pci.PciSlot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import kernel.core.hal.Interrupts;
import kernel.core.hal.MachineHal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import platform.devices.MachineConfig;
import platform.devices.Machines;
import platform.devices.RawFileBackend;
import platform.devices.nvme.NvmeController;
import platform.pc.Machine;
import platform.pc.pci.PciFunction;
import platform.pc.pci.PciRootPort;

/**
 * Native PCI Express hot-plug end to end: a machine with two empty hot-plug slots, the bus
 * driving them, and a driver for NVMe controllers. Cards are put in and pulled out on the
 * machine's side only; the kernel side learns of it from the slot's MSI and Slot Status.
 */
class HotplugTest {
    @TempDir
    Path tmp;
    Machine machine;
    MachineHal hal;
    PciBusImpl bus;
    NvmeDriver driver = new NvmeDriver();

    /** Binds NVMe controllers; its probe reads CAP through BAR0, so the BAR must be assigned and decoding. */
    static final class NvmeDriver implements PciDriver {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile long cap;

        @Override
        public String name() {
            return "nvme-test";
        }

        @Override
        public List<PciId> ids() {
            return List.of(PciId.of(0x1B36, 0x0010));
        }

        @Override
        public void probe(PciDevice dev) {
            dev.enableMemory();
            cap = dev.mapBar(0).read64(0);
            calls.add("probe " + dev.address());
        }

        @Override
        public void remove(PciDevice dev) {
            dev.disable();
            calls.add("remove " + dev.address() + (dev.disconnected() ? " (gone)" : ""));
        }
    }

    @BeforeEach
    void boot() {
        machine = Machines.build(MachineConfig.defaults().withMemory(64L << 20).withHotplugSlots(2));
        hal = new MachineHal(machine);
        hal.start();
        bus = new PciBusImpl(hal);
        bus.addDriver(driver);
        bus.start();
    }

    @AfterEach
    void powerOff() {
        bus.stop();
        hal.stop();
        machine.close();
    }

    private NvmeController card(String name) throws Exception {
        Path img = tmp.resolve(name);
        Files.write(img, new byte[1 << 20]);
        return new NvmeController(RawFileBackend.open(img, false), "HOTPLUG-" + name);
    }

    private static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    private boolean listed(int busNumber) {
        return bus.devices().stream().anyMatch(d -> d.address().bus() == busNumber);
    }

    private long pciehpInterrupts() {
        Interrupts irqs = hal.interrupts();
        return irqs.lines().stream().filter(l -> l.name().startsWith("pciehp")).mapToLong(Interrupts.Line::count).sum();
    }

    @Test
    void emptySlotsAreFoundAndDriven() {
        List<PciSlot> slots = bus.slots();
        assertEquals(2, slots.size(), slots.toString());
        for (int i = 0; i < 2; i++) {
            PciSlot s = slots.get(i);
            PciRootPort port = machine.hotplugSlots().get(i);
            assertEquals("Slot(" + (i + 1) + ")", s.name());
            assertEquals(new PciAddress(0, 0, port.device(), 0), s.port());
            assertEquals(i + 1, s.bus());
            assertFalse(s.present());
            assertFalse(s.powered(), "an empty slot is powered off by the firmware");
            assertFalse(s.inUse());
            assertTrue(s.driven(), "the port has MSI");
            PciDevice p = bus.device(s.port()).orElseThrow();
            assertEquals(0x060400, p.classCode());
            assertEquals(1, p.headerType());
            assertTrue(p.msiEnabled());
            assertEquals(Pci.COMMAND_MEMORY | Pci.COMMAND_IO | Pci.COMMAND_BUS_MASTER, p.configRead16(Pci.COMMAND) & 7,
                    "the bus turns on the bridge's forwarding both ways");
            int ctl = p.configRead16(p.findCapability(Pci.CAP_PCI_EXPRESS) + Pci.PCIE_SLOT_CONTROL);
            assertEquals(Pci.SLOT_CTL_HOT_PLUG_INTERRUPT_ENABLE | Pci.SLOT_CTL_PRESENCE_CHANGED_ENABLE,
                    ctl & (Pci.SLOT_CTL_HOT_PLUG_INTERRUPT_ENABLE | Pci.SLOT_CTL_PRESENCE_CHANGED_ENABLE));
        }
        assertEquals("Slot(1)   0000:00:" + String.format("%02x", machine.hotplugSlots().get(0).device())
                + ".0 bus 01: empty, power off, link down", new LspciCommand(bus).slots().lines().findFirst().orElseThrow());
    }

    @Test
    void insertedCardIsPoweredAssignedAndBound() throws Exception {
        PciRootPort port = machine.hotplugSlots().get(0);
        port.insert(card("a.img"));
        await("the card is bound", () -> driver.calls.contains("probe 0000:01:00.0"));
        assertTrue(pciehpInterrupts() >= 1, "the kernel learned of the card from an interrupt");
        assertNotEquals(0, driver.cap, "CAP read through the BAR the kernel assigned");
        assertEquals(machine.pci().function(1, 0, 0), port.card());

        PciDevice nvme = bus.device(new PciAddress(0, 1, 0, 0)).orElseThrow();
        PciDevice p = bus.device(new PciAddress(0, 0, port.device(), 0)).orElseThrow();
        long memBase = (long) (p.configRead16(Pci.MEMORY_BASE) & 0xFFF0) << 16;
        long memLimit = (long) (p.configRead16(Pci.MEMORY_LIMIT) & 0xFFF0) << 16 | 0xFFFFF;
        for (PciBar b : nvme.bars()) {
            if (!b.isIo()) {
                assertTrue(b.address() >= memBase && b.address() + b.size() - 1 <= memLimit,
                        b + " lies inside the port's window " + Long.toHexString(memBase) + "-" + Long.toHexString(memLimit));
            }
        }
        PciSlot s = bus.slots().get(0);
        assertTrue(s.present() && s.powered() && s.linkUp() && s.inUse(), s.toString());
        assertEquals("0000:01:00.0 0108: 1b36:0010 (rev 02) nvme-test", PciBusImpl.lspciLine(nvme));
    }

    @Test
    void attentionButtonUnbindsPowersOffAndTheCardLeaves() throws Exception {
        PciRootPort port = machine.hotplugSlots().get(1);
        NvmeController card = card("b.img");
        port.insert(card);
        await("the card is bound", () -> driver.calls.contains("probe 0000:02:00.0"));
        PciDevice nvme = bus.device(new PciAddress(0, 2, 0, 0)).orElseThrow();

        var removed = port.pressAttentionButton();
        assertSame(card, removed.get(5, TimeUnit.SECONDS), "the board pulled the card once the kernel powered the slot off");
        assertEquals(List.of("probe 0000:02:00.0", "remove 0000:02:00.0"), driver.calls);
        assertFalse(listed(2));
        assertNull(port.card());
        PciSlot s = bus.slots().get(1);
        assertFalse(s.present() || s.powered() || s.inUse(), s.toString());
        assertNull(nvme.driver());
    }

    @Test
    void surpriseRemovalUnbindsAndForgetsTheCard() throws Exception {
        PciRootPort port = machine.hotplugSlots().get(0);
        port.insert(card("c.img"));
        await("the card is bound", () -> driver.calls.contains("probe 0000:01:00.0"));
        port.surpriseRemove();
        await("the card is forgotten", () -> !listed(1));
        assertEquals(List.of("probe 0000:01:00.0", "remove 0000:01:00.0 (gone)"), driver.calls);
        assertFalse(bus.slots().get(0).inUse());

        port.insert(card("d.img")); // the slot works again
        await("the new card is bound", () -> driver.calls.size() == 3);
        assertEquals("probe 0000:01:00.0", driver.calls.get(2));
    }

    @Test
    void cardInsertedWhileTheBusIsStoppedIsFoundAtStart() throws Exception {
        bus.stop();
        machine.hotplugSlots().get(0).insert(card("e.img"));
        bus.start();
        await("the card is bound", () -> driver.calls.contains("probe 0000:01:00.0"));
        assertTrue(bus.slots().get(0).inUse());
    }

    @Test
    void stoppingTheBusReleasesTheSlotsInterruptsAndWorker() throws Exception {
        machine.hotplugSlots().get(0).insert(card("f.img"));
        await("the card is bound", () -> driver.calls.contains("probe 0000:01:00.0"));
        bus.stop();
        assertTrue(hal.interrupts().lines().stream().noneMatch(l -> l.name().startsWith("pciehp")));
        await("the pciehp thread ends", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("pciehp") && t.isAlive()));
        PciDevice p = bus.device(new PciAddress(0, 0, machine.hotplugSlots().get(0).device(), 0)).orElseThrow();
        assertFalse(p.msiEnabled());
    }
    @Test
    void unboundCardAsksTheAutoloadHookOutsideTheLockOnTheWorker() throws Exception {
        bus.removeDriver(driver); // no driver for NVMe: the hook "loads" one
        List<String> calls = new CopyOnWriteArrayList<>();
        bus.setAutoload((id, proceed) -> {
            calls.add(id + " on " + Thread.currentThread().getName() + (Thread.holdsLock(bus) ? " holding the bus lock" : ""));
            assertTrue(proceed.getAsBoolean(), "the bus is running: the load may proceed");
            bus.addDriver(driver); // what a loaded module's PciDriver service does: takes the lock
            return List.of("drivers.nvme");
        });
        machine.hotplugSlots().get(0).insert(card("g.img"));
        await("the hook loads the driver and the card binds", () -> driver.calls.contains("probe 0000:01:00.0"));
        assertEquals(List.of("pci:1b36:0010:010802 on pciehp"), calls);
        assertEquals("nvme-test", bus.device(new PciAddress(0, 1, 0, 0)).orElseThrow().driver());

        // a card the hook finds nothing for stays unbound, and a failing hook changes nothing
        bus.removeDriver(driver);
        assertNull(bus.device(new PciAddress(0, 1, 0, 0)).orElseThrow().driver());
        calls.clear();
        bus.setAutoload((id, proceed) -> {
            calls.add(id);
            throw new IllegalStateException("load failed");
        });
        machine.hotplugSlots().get(1).insert(card("h.img"));
        await("the hook is asked", () -> calls.size() == 1);
        await("the card is listed", () -> listed(2));
        assertNull(bus.device(new PciAddress(0, 2, 0, 0)).orElseThrow().driver());
        bus.setAutoload(null);
        assertEquals(2, bus.slots().stream().filter(PciSlot::inUse).count());
    }

    /**
     * Deactivation racing a hot-plug autoload that waits for the module loader, whose lock the
     * deactivating thread holds (fkx:unload drivers.pci): stop returns without waiting for it, and
     * when the hook gets the loader its load is a no-op.
     */
    @Test
    void stopDoesNotWaitForAnAutoloadStuckBehindTheLoaderAndThatAutoloadLoadsNothing() throws Exception {
        bus.removeDriver(driver);
        Object loaderLock = new Object(); // the module loader's lock
        CountDownLatch inHook = new CountDownLatch(1);
        List<String> events = new CopyOnWriteArrayList<>();
        bus.setAutoload((id, proceed) -> {
            inHook.countDown();
            synchronized (loaderLock) {
                if (!proceed.getAsBoolean()) {
                    events.add("nothing loaded");
                    return List.of();
                }
                events.add("loaded a module for " + id);
                bus.addDriver(driver);
                return List.of("drivers.nvme");
            }
        });
        long took;
        synchronized (loaderLock) { // as LoaderImpl.unload("drivers.pci") deactivating the bus
            machine.hotplugSlots().get(0).insert(card("late.img"));
            assertTrue(inHook.await(5, TimeUnit.SECONDS), "the card was added and its driver asked for");
            long t0 = System.nanoTime();
            bus.stop();
            took = System.nanoTime() - t0;
            assertTrue(events.isEmpty());
        }
        assertTrue(took < TimeUnit.SECONDS.toNanos(1), "stop waited " + took / 1_000_000 + " ms for the stuck autoload");
        await("the late autoload returns", () -> !events.isEmpty());
        assertEquals(List.of("nothing loaded"), events);
        assertTrue(driver.calls.isEmpty(), driver.calls.toString());
        await("the pciehp thread ends", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("pciehp") && t.isAlive()));
    }

    /** Deactivation while a module load started by hot-plug is under way: stop drains it first. */
    @Test
    void stopWaitsForAnAutoloadUnderWayAndTheWorkerToEnd() throws Exception {
        bus.removeDriver(driver);
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        List<String> events = new CopyOnWriteArrayList<>();
        bus.setAutoload((id, proceed) -> {
            if (!proceed.getAsBoolean()) {
                events.add("nothing loaded");
                return List.of();
            }
            loading.countDown();
            try {
                finish.await(); // the module starts
            } catch (InterruptedException e) {
                events.add("load interrupted");
                return List.of();
            }
            events.add("module started");
            bus.addDriver(driver); // its driver registers: takes the bus lock, which stop must not hold now
            return List.of("drivers.nvme");
        });
        machine.hotplugSlots().get(0).insert(card("drain.img"));
        assertTrue(loading.await(5, TimeUnit.SECONDS), "the autoload started loading");
        Thread stopper = Thread.ofPlatform().name("deactivate").start(() -> {
            bus.stop();
            events.add("stopped");
        });
        stopper.join(300);
        assertTrue(stopper.isAlive(), "stop returned while a module load was under way: " + events);
        finish.countDown();
        stopper.join(5000);
        assertFalse(stopper.isAlive(), "stop did not return after the load ended");
        assertEquals(List.of("module started", "stopped"), events);
        assertTrue(driver.calls.isEmpty(), "the bus had stopped: nothing is probed " + driver.calls);
        await("the pciehp thread ends", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("pciehp") && t.isAlive()));
    }

    /** Enumeration alone (no slot driving) turns on a bridge's forwarding, bus mastering included. */
    @Test
    void enumerationEnablesTheBridgesSoACardPresentAtBootCanMaster() throws Exception {
        try (Machine m2 = Machine.builder().memory(64L << 20).hotplugSlots(1).build()) {
            PciRootPort port = m2.hotplugSlots().get(0);
            NvmeController boot = card("boot.img");
            port.insert(boot);
            m2.powerOn();
            assertEquals(PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_IO_SPACE, port.command() & 7,
                    "the firmware leaves the port's bus mastering off");
            assertNotSame(m2.bus(), boot.bus(), "so the card cannot master yet");
            MachineHal hal2 = new MachineHal(m2);
            hal2.start();
            try {
                PciBusImpl scanned = PciBusImpl.scan(hal2);
                assertEquals(PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_IO_SPACE | PciFunction.CMD_BUS_MASTER,
                        port.command() & 7);
                assertNotSame(m2.bus(), boot.bus(), "the card's own bus mastering is its driver's to enable");
                scanned.devices().stream().filter(dev -> dev.deviceId() == boot.deviceId()).findFirst().orElseThrow()
                        .enableBusMaster();
                assertSame(m2.bus(), boot.bus(), "the card's DMA and MSI-X now reach the machine's bus");
                scanned.stop();
            } finally {
                hal2.stop();
            }
        }
    }
}
