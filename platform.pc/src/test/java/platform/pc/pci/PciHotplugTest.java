package platform.pc.pci;

import static org.junit.jupiter.api.Assertions.*;
import static platform.pc.pci.PciRootPort.*;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import platform.pc.LocalApic;
import platform.pc.Machine;
import platform.pc.MmioHandler;
import platform.pc.MsiDecoder;
import platform.pc.PhysicalBus;
import platform.pc.PortHandler;

/**
 * PCI Express root ports with native hot-plug, register level, from the PCIe Base spec
 * (7.5.3: PCI Express capability, Slot Capabilities/Control/Status; 6.7.3.4: hot-plug
 * interrupts) and the PCI-to-PCI Bridge spec (type-1 header, bus numbers routing config
 * cycles). Everything goes through ECAM, the MSI window and the local APIC.
 */
class PciHotplugTest {
    static final int MSI_VECTOR = 0x55;

    /** A card: BAR0 32-bit memory 16 KiB (reads 0xCAFE0000 | offset), BAR2 32 I/O ports, INTA. */
    static final class Card extends PciFunction {
        volatile int closes;
        volatile long lastWrite = -1;

        Card() {
            super(0x8086, 0x1234, 0x010802, 2);
            setInterruptPin(1);
            addMemoryBar(0, 0x4000, false, false, new MmioHandler() {
                @Override
                public long read(long offset, int size) {
                    return 0xCAFE_0000L | offset;
                }

                @Override
                public void write(long offset, int size, long value) {
                    lastWrite = value;
                }
            });
            addIoBar(2, 32, new PortHandler() {
                @Override
                public int in(int port, int size) {
                    return 0x5A;
                }

                @Override
                public void out(int port, int size, int value) {
                }
            });
        }

        void raise() {
            assertIntx();
        }

        @Override
        public void close() {
            closes++;
        }
    }

    private final Machine m = Machine.builder().memory(32L << 20).cpus(1).hotplugSlots(2).build();
    private final PhysicalBus bus = m.bus();
    private final LocalApic cpu = m.lapic(0);

    @AfterEach
    void close() {
        m.close();
    }

    private long cfg(int b, int d, int reg, int size) {
        return bus.read(Machine.ecam(b, d, 0) + reg, size);
    }

    private void setCfg(int b, int d, int reg, int size, long v) {
        bus.write(Machine.ecam(b, d, 0) + reg, size, v);
    }

    private PciRootPort port(int i) {
        return m.hotplugSlots().get(i);
    }

    private int sltsta(PciRootPort p) {
        return (int) cfg(0, p.device(), PCIE_CAP + SLTSTA, 2);
    }

    private int sltctl(PciRootPort p) {
        return (int) cfg(0, p.device(), PCIE_CAP + SLTCTL, 2);
    }

    private void setSltctl(PciRootPort p, int v) {
        setCfg(0, p.device(), PCIE_CAP + SLTCTL, 2, v);
    }

    private void ackStatus(PciRootPort p, int bits) {
        setCfg(0, p.device(), PCIE_CAP + SLTSTA, 2, bits);
    }

    /** The kernel's MSI set-up for the port: message to APIC 0, fixed, {@link #MSI_VECTOR}; bus mastering on; MSI enable. */
    private void enableMsi(PciRootPort p) {
        setCfg(0, p.device(), MSI_CAP + 4, 4, MsiDecoder.BASE);
        setCfg(0, p.device(), MSI_CAP + 8, 4, 0);
        setCfg(0, p.device(), MSI_CAP + 12, 2, MSI_VECTOR);
        setCfg(0, p.device(), PciFunction.COMMAND, 2, cfg(0, p.device(), PciFunction.COMMAND, 2) | PciFunction.CMD_BUS_MASTER);
        setCfg(0, p.device(), MSI_CAP + 2, 2, 1);
    }

    /** Takes every pending MSI from the local APIC; returns how many there were. */
    private int takeMsis() {
        int n = 0;
        int v;
        while ((v = cpu.poll()) >= 0) {
            assertEquals(MSI_VECTOR, v);
            cpu.eoi();
            n++;
        }
        return n;
    }

    @Test
    void portsTakeTheHighestFreeSlotsAndBuilderChecksTheCount() {
        assertEquals(List.of(30, 31), m.hotplugSlots().stream().map(PciRootPort::device).toList());
        assertEquals(1, port(0).physicalSlot());
        assertEquals(2, port(1).physicalSlot());
        assertSame(port(0), m.pci().function(0, 30, 0));
        PciFunction nic = new Card();
        PciFunction disk = new Card();
        try (Machine m2 = Machine.builder().memory(32L << 20).device(31, nic).device(30, new Card()).device(4, disk)
                .hotplugSlots(3).build()) {
            assertEquals(List.of(27, 28, 29), m2.hotplugSlots().stream().map(PciRootPort::device).toList());
            assertEquals(List.of(1, 2, 3), m2.hotplugSlots().stream().map(PciRootPort::physicalSlot).toList());
            assertSame(nic, m2.pci().function(0, 31, 0));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Machine.builder().device(5, new Card()).hotplugSlots(31).build());
        assertTrue(e.getMessage().startsWith("hotplugSlots"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Machine.builder().hotplugSlots(-1).build());
        try (Machine none = Machine.builder().memory(32L << 20).build()) {
            assertTrue(none.hotplugSlots().isEmpty());
        }
    }

    @Test
    void typeOneHeaderRegistersAndFirmwareBusNumbersAndWindows() {
        m.powerOn();
        PciRootPort p = port(0);
        int d = p.device();
        assertEquals(0x000C_1B36L, cfg(0, d, 0, 4));
        assertEquals(0x0604_0000L, cfg(0, d, 0x08, 4) & 0xFFFF_FF00L, "class 060400");
        assertEquals(0x01, cfg(0, d, PciFunction.HEADER_TYPE, 1));
        assertEquals(1, cfg(0, d, PciFunction.INTERRUPT_PIN, 1));
        assertEquals(PciHostBridge.intxGsi(30, 1), cfg(0, d, PciFunction.INTERRUPT_LINE, 1));
        assertNotEquals(0, cfg(0, d, PciFunction.STATUS, 2) & PciFunction.STATUS_CAPABILITIES_LIST);
        // no BARs, no expansion ROM
        for (int reg : new int[] {0x10, 0x14, EXPANSION_ROM}) {
            setCfg(0, d, reg, 4, 0xFFFF_FFFFL);
            assertEquals(0, cfg(0, d, reg, 4), "reg " + reg);
        }
        // firmware bus numbers, in slot order
        assertEquals(0x00_01_01_00L, cfg(0, d, PRIMARY_BUS, 4), "primary 0, secondary 1, subordinate 1, latency 0");
        assertEquals(0x00_02_02_00L, cfg(0, port(1).device(), PRIMARY_BUS, 4));
        setCfg(0, d, PRIMARY_BUS, 4, 0xFF_07_05_00L);
        assertEquals(0x00_07_05_00L, cfg(0, d, PRIMARY_BUS, 4), "bus numbers RW, secondary latency timer RO 0");
        assertEquals(5, p.secondaryBus());
        assertEquals(7, p.subordinateBus());
        setCfg(0, d, PRIMARY_BUS, 4, 0x00_01_01_00L);
        // windows: 8 MiB of memory (aligned), 4 KiB of I/O from 0x1000, prefetchable disabled
        long memBase = p.memoryBase();
        long memLimit = p.memoryLimit();
        assertEquals(PciHostBridge.PORT_MEMORY_RESERVE, memLimit - memBase + 1);
        assertEquals(0, memBase % PciHostBridge.PORT_MEMORY_RESERVE);
        assertTrue(memBase >= PciHostBridge.MMIO_WINDOW_START && memLimit < PciHostBridge.MMIO_WINDOW_END);
        assertEquals(memBase >>> 16, cfg(0, d, MEMORY_BASE, 2));
        assertEquals((memLimit >>> 16) & 0xFFF0, cfg(0, d, MEMORY_LIMIT, 2));
        assertTrue(port(1).memoryBase() > memLimit, "windows do not overlap");
        assertEquals(0x1000, p.ioBase());
        assertEquals(0x1FFF, p.ioLimit());
        assertEquals(0x10, cfg(0, d, IO_BASE, 1));
        assertEquals(0x10, cfg(0, d, IO_LIMIT, 1));
        assertEquals(0x2000, port(1).ioBase());
        long pref = cfg(0, d, PREF_MEMORY_BASE, 4);
        assertEquals(1, pref & 0xF, "64-bit prefetchable window");
        assertTrue((pref & 0xFFF0) > ((pref >>> 16) & 0xFFF0), "prefetchable window disabled (base > limit)");
        // RO low bits of the window registers
        setCfg(0, d, IO_BASE, 2, 0xFFFF);
        assertEquals(0xF0F0, cfg(0, d, IO_BASE, 2));
        setCfg(0, d, IO_BASE_UPPER16, 4, 0xFFFF_FFFFL);
        assertEquals(0, cfg(0, d, IO_BASE_UPPER16, 4), "16-bit I/O decoding");
        setCfg(0, d, MEMORY_BASE, 4, 0xFFFF_FFFFL);
        assertEquals(0xFFF0_FFF0L, cfg(0, d, MEMORY_BASE, 4));
        setCfg(0, d, PREF_MEMORY_BASE, 4, 0);
        assertEquals(0x0001_0001L, cfg(0, d, PREF_MEMORY_BASE, 4));
        setCfg(0, d, PREF_BASE_UPPER32, 4, 0x1234_5678L);
        assertEquals(0x1234_5678L, cfg(0, d, PREF_BASE_UPPER32, 4));
        setCfg(0, d, BRIDGE_CONTROL, 2, 0xFFFF);
        assertEquals(0x005F, cfg(0, d, BRIDGE_CONTROL, 2));
        // secondary status: error bits are RW1C, nothing set
        setCfg(0, d, SECONDARY_STATUS, 2, 0xFFFF);
        assertEquals(0, cfg(0, d, SECONDARY_STATUS, 2));
    }

    @Test
    void capabilitiesAndSlotCapabilities() {
        m.powerOn();
        PciRootPort p = port(1);
        int d = p.device();
        assertEquals(MSI_CAP, cfg(0, d, PciFunction.CAPABILITIES_POINTER, 1));
        assertEquals(CAP_ID_MSI, cfg(0, d, MSI_CAP, 1));
        assertEquals(PCIE_CAP, cfg(0, d, MSI_CAP + 1, 1));
        assertEquals(0x0080, cfg(0, d, MSI_CAP + 2, 2), "64-bit, one message, disabled");
        assertEquals(PciFunction.CAP_ID_PCI_EXPRESS, cfg(0, d, PCIE_CAP, 1));
        assertEquals(0, cfg(0, d, PCIE_CAP + 1, 1), "end of the list");
        int flags = (int) cfg(0, d, PCIE_CAP + PCIE_FLAGS, 2);
        assertEquals(2, flags & 0xF, "capability version 2");
        assertEquals(4, (flags >> 4) & 0xF, "root port");
        assertNotEquals(0, flags & 0x100, "slot implemented");
        long lnkcap = cfg(0, d, PCIE_CAP + LNKCAP, 4);
        assertNotEquals(0, lnkcap & LNKCAP_DLLLARC);
        assertEquals(2, lnkcap >>> 24, "port number");
        long sltcap = cfg(0, d, PCIE_CAP + SLTCAP, 4);
        for (int bit : new int[] {SLTCAP_ABP, SLTCAP_PCP, SLTCAP_AIP, SLTCAP_PIP, SLTCAP_HPS, SLTCAP_HPC, SLTCAP_NCCS}) {
            assertNotEquals(0, sltcap & bit, "slot capability bit " + Integer.toHexString(bit));
        }
        assertEquals(0, sltcap & (SLTCAP_MRLSP | SLTCAP_EIP));
        assertEquals(2, sltcap >>> SLTCAP_PSN_SHIFT, "physical slot number");
        setCfg(0, d, PCIE_CAP + SLTCAP, 4, 0);
        assertEquals(sltcap, cfg(0, d, PCIE_CAP + SLTCAP, 4), "read-only");
        // empty slot after firmware reset: powered off, indicators off, no events, link down
        assertEquals(SLTCTL_PCC | INDICATOR_OFF << 8 | INDICATOR_OFF << 6, sltctl(p));
        assertEquals(0, sltsta(p));
        assertFalse(p.linkActive());
        assertEquals(0, cfg(0, d, PCIE_CAP + LNKSTA, 2) & LNKSTA_DLLLA);
        // Slot Control: every control bit is RW but EIC (reads 0)
        setSltctl(p, 0xFFFF);
        assertEquals(0x17FF, sltctl(p));
        assertEquals(0, sltsta(p) & SLTSTA_CC, "no command completed support: CC never set");
        setSltctl(p, SLTCTL_PCC | INDICATOR_OFF << 8 | INDICATOR_OFF << 6);
    }

    @Test
    void configCyclesBehindPortsFollowTheBusNumbers() {
        Card card = new Card();
        port(0).insert(card); // present at boot
        m.powerOn();
        assertEquals(0x1234_8086L, cfg(1, 0, 0, 4));
        assertSame(card, m.pci().function(1, 0, 0));
        assertEquals("01:00.0", card.location());
        assertEquals(0xFFFF_FFFFL, cfg(1, 1, 0, 4), "only device 0 behind a root port");
        assertEquals(0xFFFF_FFFFL, cfg(1, 0, 0x100 + (1 << 12), 4) & 0xFFFF_FFFFL, "function 1");
        assertEquals(0xFFFF_FFFFL, cfg(2, 0, 0, 4), "empty slot");
        assertEquals(0xFFFF_FFFFL, cfg(9, 0, 0, 4), "no port claims bus 9");
        setCfg(2, 0, PciFunction.COMMAND, 2, 2); // dropped
        assertNull(m.pci().function(2, 0, 0));
        // renumbering the port moves the card
        setCfg(0, 30, SECONDARY_BUS, 1, 5);
        setCfg(0, 30, SUBORDINATE_BUS, 1, 6);
        assertEquals(0xFFFF_FFFFL, cfg(1, 0, 0, 4));
        assertEquals(0x1234_8086L, cfg(5, 0, 0, 4));
        assertEquals(0xFFFF_FFFFL, cfg(6, 0, 0, 4), "subordinate bus without a device");
        // the legacy port mechanism reaches it too
        m.ioPorts().out(0xCF8, 4, 0x8000_0000 | 5 << 16);
        assertEquals(0x1234_8086, m.ioPorts().in(0xCFC, 4));
    }

    @Test
    void bootCardGetsBarsInsideItsPortWindowAndWorks() {
        Card card = new Card();
        port(1).insert(card);
        m.powerOn();
        PciRootPort p = port(1);
        assertTrue(p.slotPowered());
        assertTrue(p.linkActive());
        assertEquals(SLTSTA_PDS, sltsta(p), "present, no events pending after the firmware");
        assertEquals(INDICATOR_ON, (sltctl(p) & SLTCTL_PIC) >> 8);
        long bar0 = cfg(2, 0, PciFunction.BAR0, 4) & ~0xFL;
        assertTrue(bar0 >= p.memoryBase() && bar0 + 0x4000 - 1 <= p.memoryLimit(), Long.toHexString(bar0));
        long io = cfg(2, 0, PciFunction.BAR0 + 8, 4) & ~0x3L;
        assertTrue(io >= p.ioBase() && io + 32 - 1 <= p.ioLimit(), Long.toHexString(io));
        assertEquals(PciHostBridge.intxGsi(31, 1), cfg(2, 0, PciFunction.INTERRUPT_LINE, 1));
        assertEquals(0, cfg(2, 0, PciFunction.COMMAND, 2));
        setCfg(2, 0, PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_IO_SPACE);
        assertEquals(0xCAFE_0010L, bus.read(bar0 + 0x10, 4));
        assertEquals(0x5A, m.ioPorts().in((int) io, 1));
        // the card's INTx goes through the swizzle of its port: 00:1f INTA -> GSI 16 + 31 mod 4
        card.raise();
        assertEquals(1, m.pci().intxDrivers(PciHostBridge.intxGsi(31, 1)));
    }

    @Test
    void hotAddedCardIsProgrammedByTheOsInsideTheWindow() throws Exception {
        m.powerOn();
        PciRootPort p = port(0);
        enableMsi(p);
        setSltctl(p, sltctl(p) | SLTCTL_HPIE | SLTCTL_PDCE | SLTCTL_DLLSCE | SLTCTL_ABPE);
        Card card = new Card();
        p.insert(card);
        assertEquals(SLTSTA_PDS | SLTSTA_PDC, sltsta(p), "powered-off slot: presence only, link down");
        assertEquals(1, takeMsis());
        assertEquals(0xFFFF_FFFFL, cfg(1, 0, 0, 4), "an unpowered card does not answer");
        ackStatus(p, SLTSTA_PDC);
        assertEquals(SLTSTA_PDS, sltsta(p));
        // the OS powers the slot and turns the power indicator on: the link comes up
        setSltctl(p, (sltctl(p) & ~(SLTCTL_PCC | SLTCTL_PIC)) | INDICATOR_ON << 8);
        assertTrue(p.linkActive());
        assertNotEquals(0, cfg(0, p.device(), PCIE_CAP + LNKSTA, 2) & LNKSTA_DLLLA);
        assertEquals(SLTSTA_PDS | SLTSTA_DLLSC, sltsta(p));
        assertEquals(1, takeMsis());
        ackStatus(p, SLTSTA_DLLSC);
        assertEquals(0x1234_8086L, cfg(1, 0, 0, 4));
        // no firmware assignment for hot-added cards; the OS sizes and places the BAR itself
        assertEquals(0, cfg(1, 0, PciFunction.BAR0, 4));
        setCfg(1, 0, PciFunction.BAR0, 4, 0xFFFF_FFFFL);
        assertEquals(0xFFFF_C000L, cfg(1, 0, PciFunction.BAR0, 4));
        long at = p.memoryBase() + 0x4000;
        setCfg(1, 0, PciFunction.BAR0, 4, at);
        assertEquals(0xFFFF_FFFFL, bus.read(at, 4), "memory space not enabled yet");
        setCfg(1, 0, PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_BUS_MASTER);
        assertEquals(0xCAFE_0008L, bus.read(at + 8, 4));
        bus.write(at, 4, 77);
        assertEquals(77, card.lastWrite);
        assertSame(bus, card.bus(), "the card can DMA");
        assertEquals(0, takeMsis());
        assertEquals(0, card.mappingConflicts());
    }

    @Test
    void msiOnlyWhenHpieAndTheEventEnableAreSetAndOnlyOnTheRisingCondition() {
        m.powerOn();
        PciRootPort p = port(0);
        enableMsi(p);
        // event enables without HPIE: status set, no interrupt
        setSltctl(p, sltctl(p) | SLTCTL_PDCE | SLTCTL_DLLSCE);
        p.insert(new Card());
        assertEquals(SLTSTA_PDS | SLTSTA_PDC, sltsta(p));
        assertEquals(0, takeMsis());
        assertEquals(0, p.msiMessagesSent());
        ackStatus(p, SLTSTA_PDC);
        // HPIE without the event's enable: no interrupt either
        setSltctl(p, (sltctl(p) & ~(SLTCTL_PDCE | SLTCTL_DLLSCE)) | SLTCTL_HPIE);
        p.surpriseRemove();
        assertEquals(SLTSTA_PDC, sltsta(p));
        assertEquals(0, takeMsis());
        // setting the enable while the event is pending makes the condition true: one message
        setSltctl(p, sltctl(p) | SLTCTL_PDCE);
        assertEquals(1, takeMsis());
        // RW1C: writing 0 changes nothing, writing the RO state bits changes nothing
        ackStatus(p, 0);
        ackStatus(p, SLTSTA_PDS | SLTSTA_MRLSS | SLTSTA_EIS);
        assertEquals(SLTSTA_PDC, sltsta(p));
        // a second event while PDC is unacknowledged: no new message (condition stays true)
        setSltctl(p, (sltctl(p) | SLTCTL_ABPE) & ~SLTCTL_PCC); // slot powered: the card will come up
        assertEquals(0, takeMsis());
        p.insert(new Card());
        p.pressAttentionButton();
        assertEquals(SLTSTA_PDC | SLTSTA_ABP | SLTSTA_PDS | SLTSTA_DLLSC, sltsta(p));
        assertEquals(0, takeMsis());
        ackStatus(p, SLTSTA_PDC); // ABP still pending and enabled: still true, still no message
        assertEquals(0, takeMsis());
        ackStatus(p, SLTSTA_ABP | SLTSTA_DLLSC);
        assertEquals(SLTSTA_PDS, sltsta(p));
        p.pressAttentionButton(); // false -> true again
        assertEquals(1, takeMsis());
        ackStatus(p, SLTSTA_EVENTS);
        // HPIE cleared: masked
        setSltctl(p, sltctl(p) & ~SLTCTL_HPIE);
        p.pressAttentionButton();
        assertEquals(0, takeMsis());
        assertEquals(2, p.msiMessagesSent());
    }

    @Test
    void intxFallbackWhenMsiIsOff() {
        m.powerOn();
        PciRootPort p = port(0);
        int gsi = PciHostBridge.intxGsi(p.device(), 1);
        setSltctl(p, sltctl(p) | SLTCTL_HPIE | SLTCTL_PDCE);
        p.insert(new Card());
        assertEquals(1, m.pci().intxDrivers(gsi), "level: asserted while the event is pending");
        assertNotEquals(0, cfg(0, p.device(), PciFunction.STATUS, 2) & PciFunction.STATUS_INTERRUPT);
        setCfg(0, p.device(), PciFunction.COMMAND, 2, PciFunction.CMD_INTX_DISABLE);
        assertEquals(0, m.pci().intxDrivers(gsi));
        setCfg(0, p.device(), PciFunction.COMMAND, 2, 0);
        assertEquals(1, m.pci().intxDrivers(gsi));
        ackStatus(p, SLTSTA_PDC);
        assertEquals(0, m.pci().intxDrivers(gsi));
        // switching to MSI drops the INTx wire
        setSltctl(p, sltctl(p) | SLTCTL_ABPE);
        p.pressAttentionButton();
        assertEquals(1, m.pci().intxDrivers(gsi));
        enableMsi(p);
        assertEquals(0, m.pci().intxDrivers(gsi));
    }

    @Test
    void attentionButtonThenPowerOffRemovesAndClosesTheCard() throws Exception {
        Card card = new Card();
        port(0).insert(card);
        m.powerOn();
        PciRootPort p = port(0);
        enableMsi(p);
        setSltctl(p, sltctl(p) | SLTCTL_HPIE | SLTCTL_ABPE | SLTCTL_PDCE | SLTCTL_DLLSCE);
        setCfg(1, 0, PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE);
        long bar0 = card.barAddress(0);
        assertEquals(0xCAFE_0000L, bus.read(bar0, 4));
        CompletableFuture<PciFunction> removed = p.pressAttentionButton();
        assertSame(removed, p.pressAttentionButton(), "one removal request");
        assertEquals(SLTSTA_PDS | SLTSTA_ABP, sltsta(p));
        assertEquals(1, takeMsis());
        assertFalse(removed.isDone(), "the card stays until the OS powers the slot off");
        assertTrue(p.removalPending());
        ackStatus(p, SLTSTA_ABP);
        // the OS: power indicator blinking, then power off (as pciehp does)
        setSltctl(p, (sltctl(p) & ~SLTCTL_PIC) | INDICATOR_BLINK << 8);
        assertFalse(removed.isDone());
        setSltctl(p, sltctl(p) | SLTCTL_PCC);
        assertSame(card, removed.get(1, TimeUnit.SECONDS));
        assertEquals(1, card.closes);
        assertNull(p.card());
        assertFalse(p.removalPending());
        assertNull(card.bus(), "detached");
        assertEquals(0xFFFF_FFFFL, bus.read(bar0, 4), "BAR unmapped");
        assertEquals(0xFFFF_FFFFL, cfg(1, 0, 0, 4));
        assertEquals(SLTSTA_PDC | SLTSTA_DLLSC, sltsta(p), "empty, link went down");
        assertFalse(p.linkActive());
        assertEquals(1, takeMsis());
        // the slot is reusable
        p.insert(new Card());
        assertEquals(SLTSTA_PDS, sltsta(p) & SLTSTA_PDS);
        m.close();
        assertEquals(1, card.closes, "closed once");
    }

    @Test
    void attentionButtonOnAnUnpoweredSlotRemovesAtOnceAndEmptySlotIsAnError() throws Exception {
        m.powerOn();
        PciRootPort p = port(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, p::pressAttentionButton);
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertThrows(IllegalStateException.class, p::surpriseRemove);
        Card card = new Card();
        p.insert(card); // slot stays off: the OS never powered it
        assertSame(card, p.pressAttentionButton().get(1, TimeUnit.SECONDS));
        assertEquals(1, card.closes);
        assertNull(p.card());
    }

    @Test
    void surpriseRemovalDetachesAndClosesTheCard() {
        Card card = new Card();
        port(0).insert(card);
        m.powerOn();
        PciRootPort p = port(0);
        enableMsi(p);
        setSltctl(p, sltctl(p) | SLTCTL_HPIE | SLTCTL_PDCE | SLTCTL_DLLSCE);
        setCfg(1, 0, PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE);
        card.raise();
        int gsi = PciHostBridge.intxGsi(30, 1);
        assertEquals(1, m.pci().intxDrivers(gsi));
        long bar0 = card.barAddress(0);
        assertSame(card, p.surpriseRemove());
        assertEquals(1, card.closes);
        assertEquals(0, m.pci().intxDrivers(gsi), "a removed card releases its INTx wire");
        assertEquals(SLTSTA_PDC | SLTSTA_DLLSC, sltsta(p));
        assertFalse(p.linkActive());
        assertEquals(1, takeMsis());
        assertEquals(0xFFFF_FFFFL, bus.read(bar0, 4));
        assertEquals(0xFFFF_FFFFL, cfg(1, 0, 0, 4));
    }

    @Test
    void powerControlTurnsTheCardOffAndOn() {
        Card card = new Card();
        port(0).insert(card);
        m.powerOn();
        PciRootPort p = port(0);
        setCfg(1, 0, PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE);
        long bar0 = card.barAddress(0);
        assertEquals(0xCAFE_0000L, bus.read(bar0, 4));
        setSltctl(p, sltctl(p) | SLTCTL_PCC); // no removal requested: the card only loses power
        assertFalse(p.linkActive());
        assertSame(card, p.card());
        assertEquals(0, card.closes);
        assertEquals(0xFFFF_FFFFL, cfg(1, 0, 0, 4));
        assertEquals(0xFFFF_FFFFL, bus.read(bar0, 4));
        assertEquals(SLTSTA_PDS | SLTSTA_DLLSC, sltsta(p));
        ackStatus(p, SLTSTA_DLLSC);
        setSltctl(p, sltctl(p) & ~SLTCTL_PCC);
        assertTrue(p.linkActive());
        assertEquals(SLTSTA_PDS | SLTSTA_DLLSC, sltsta(p));
        assertEquals(0x1234_8086L, cfg(1, 0, 0, 4));
        assertEquals(0, cfg(1, 0, PciFunction.COMMAND, 2), "power-on reset: decoding off");
        assertEquals(0xFFFF_FFFFL, bus.read(bar0, 4));
        setCfg(1, 0, PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE);
        assertEquals(0xCAFE_0000L, bus.read(bar0, 4), "BARs kept");
    }

    @Test
    void insertingIntoAnOccupiedSlotFailsCleanly() {
        Card first = new Card();
        port(0).insert(first);
        m.powerOn();
        PciRootPort p = port(0);
        Card second = new Card();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.insert(second));
        assertTrue(e.getMessage().contains("occupied"), e.getMessage());
        assertSame(first, p.card());
        assertNull(second.bus());
        assertEquals(0, second.closes);
        assertEquals(0x1234_8086L, cfg(1, 0, 0, 4));
        assertEquals(SLTSTA_PDS, sltsta(p), "no event from the failed insertion");
        assertThrows(IllegalStateException.class, () -> port(1).insert(first), "already in a slot");
        assertThrows(IllegalArgumentException.class, () -> port(1).insert(new PciRootPort(9)));
        assertThrows(NullPointerException.class, () -> port(1).insert(null));
        assertThrows(IllegalStateException.class, () -> m.pci().attach(3, new PciRootPort(9)),
                "root ports only before power-on");
        assertThrows(IllegalArgumentException.class, () -> m.pci().detach(30));
    }

    @Test
    void machineCloseClosesCardsInSlots() throws Exception {
        Card a = new Card();
        Card b = new Card();
        port(0).insert(a);
        m.powerOn();
        port(1).insert(b); // unpowered
        CompletableFuture<PciFunction> removal = port(0).pressAttentionButton();
        m.close();
        assertEquals(1, a.closes);
        assertEquals(1, b.closes);
        assertTrue(removal.isDone());
        assertThrows(IllegalStateException.class, () -> port(0).insert(new Card()));
    }
}
